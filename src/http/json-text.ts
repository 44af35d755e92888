// A response body that is JSON already (PostgreSQL built it): the route sends
// the text as it is, instead of parsing it into objects only to stringify
// them again.
export class JsonText {
  constructor(readonly text: string) {}
}
