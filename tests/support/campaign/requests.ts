// One arbitrary request per documented operation: valid input drawn from the
// operation's own schemas, and mutations of it (wrong types, boundaries,
// missing and unknown fields, combinations of query parameters, hostile ids,
// headers and bodies), sent as staff, as a shopper, anonymously or with a
// forged token.
import fc from 'fast-check';
import { hostileHeaderValues, hostileIds, hostileStrings, hostileValues, wrongJsonBodies } from './hostile';
import { SchemaArbitraries, type JsonSchema } from './schema-arbitrary';

export type Role = 'staff' | 'shopper' | 'anonymous' | 'forged';

export interface Operation {
  method: string;
  path: string;
  parameters: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  jsonBody?: JsonSchema;
  multipartBody?: JsonSchema;
}

export type Body =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string; text: string }
  | { kind: 'multipart'; fields: Record<string, string>; file?: number[] };

export interface CampaignRequest {
  role: Role;
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body?: Body;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method,
      path,
      parameters: operation.parameters ?? [],
      jsonBody: operation.requestBody?.content['application/json']?.schema,
      multipartBody: operation.requestBody?.content['multipart/form-data']?.schema,
    })),
  );
}

/** Rows made by the campaign's fixture have ids from 1 to this. */
const FIXTURE_IDS = 6;

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function requestArbitrary(operation: Operation, document: OpenApiDocument): fc.Arbitrary<CampaignRequest> {
  const schemas = new SchemaArbitraries(document.components?.schemas ?? {});
  const role = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Role>('staff', 'shopper') },
    { weight: 1, arbitrary: fc.constantFrom<Role>('anonymous', 'forged') },
  );
  return fc.record({
    role,
    path: pathArbitrary(operation),
    query: queryArbitrary(operation, schemas),
    headers: headerArbitrary(operation, schemas),
    body: bodyArbitrary(operation, schemas),
  }) as fc.Arbitrary<CampaignRequest>;
}

function pathArbitrary(operation: Operation): fc.Arbitrary<string> {
  const segments = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  if (segments.length === 0) return fc.constant(operation.path);
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: FIXTURE_IDS }).map(String) },
    fc.integer({ min: 1, max: 2_147_483_647 }).map(String),
    hostileIds,
    fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abc123-_.~'.split('')) }),
  );
  return fc.tuple(...segments.map(() => value)).map((values) =>
    segments.reduce((path, name, i) => path.replace(`{${name}}`, values[i]!), operation.path),
  );
}

function queryArbitrary(operation: Operation, schemas: SchemaArbitraries): fc.Arbitrary<[string, string][]> {
  const params = operation.parameters.filter((p) => p.in === 'query');
  // Each parameter absent, valid, or hostile; several at once is the point:
  // one bug only showed with two bad prices together.
  const each = params.map((p) =>
    fc.option(
      fc.oneof({ weight: 3, arbitrary: schemas.valid(p.schema).map(asText) }, { weight: 1, arbitrary: hostileStrings }).map((v): [string, string] => [p.name, v]),
      { freq: 2 },
    ),
  );
  const unknown = fc.option(fc.tuple(fc.constantFrom('unknown', 'page[]', 'ordering[0]', '__proto__'), hostileStrings), { freq: 4 });
  return fc.tuple(fc.tuple(...each), unknown).map(([chosen, extra]) => [
    ...chosen.filter((pair): pair is [string, string] => pair !== null),
    ...(extra ? [extra as [string, string]] : []),
  ]);
}

function headerArbitrary(operation: Operation, schemas: SchemaArbitraries): fc.Arbitrary<Record<string, string>> {
  const params = operation.parameters.filter((p) => p.in === 'header');
  const each = params.map((p) =>
    fc.option(fc.oneof(schemas.valid(p.schema).map(asText).filter((v) => /^[\x20-\x7e]*$/.test(v)), hostileHeaderValues).map((v) => [p.name, v] as const)),
  );
  return fc.tuple(...each).map((pairs) => Object.fromEntries(pairs.filter((pair) => pair !== null)));
}

function bodyArbitrary(operation: Operation, schemas: SchemaArbitraries): fc.Arbitrary<Body | undefined> {
  if (!operation.jsonBody) return fc.constant(undefined);
  const schema = schemas.resolve(operation.jsonBody);
  const valid = schemas.valid(schema) as fc.Arbitrary<Record<string, unknown>>;
  const properties = Object.keys((schema.properties ?? {}) as object);
  const field = properties.length ? fc.constantFrom(...properties) : fc.constant('field');
  const variants: fc.WeightedArbitrary<Body>[] = [
    { weight: 4, arbitrary: valid.map((value) => ({ kind: 'json', value })) },
    // One field replaced by something hostile.
    { weight: 3, arbitrary: fc.tuple(valid, field, hostileValues).map(([value, key, bad]) => ({ kind: 'json', value: { ...asObject(value), [key]: bad } })) },
  ];
  const outside = justOutside(schema, schemas);
  if (outside.length) {
    variants.push({ weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom(...outside)).map(([value, [key, bad]]) => ({ kind: 'json', value: { ...asObject(value), [key]: bad } })) });
  }
  const rarer: fc.Arbitrary<Body>[] = [
    // A field left out, or one the schema does not know.
    fc.tuple(valid, field).map(([value, key]) => ({ kind: 'json', value: omit(asObject(value), key) })),
    fc.tuple(valid, fc.constantFrom('is_staff', 'id', 'total', 'user_id', 'x'), hostileValues).map(([value, key, bad]) => ({ kind: 'json', value: { ...asObject(value), [key]: bad } })),
    wrongJsonBodies.map((value) => ({ kind: 'json', value })),
    fc.constantFrom<Body>(
      { kind: 'raw', contentType: 'application/json', text: '{"unterminated": ' },
      { kind: 'raw', contentType: 'text/plain', text: 'hello' },
      { kind: 'raw', contentType: 'application/x-www-form-urlencoded', text: 'a=1&b=2' },
      { kind: 'raw', contentType: 'application/json', text: '' },
    ),
  ];
  variants.push(...rarer.map((arbitrary) => ({ weight: 1, arbitrary })));
  if (operation.multipartBody) {
    variants.push({ weight: 2, arbitrary: 
      fc.record({
        fields: fc.oneof(valid, fc.tuple(valid, field, hostileStrings).map(([value, key, bad]) => ({ ...asObject(value), [key]: bad }))).map((value) =>
          Object.fromEntries(Object.entries(asObject(value)).map(([key, v]) => [key, v === null ? '' : asText(v)])),
        ),
        file: fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }), { nil: undefined }),
      }).map(({ fields, file }): Body => ({ kind: 'multipart', fields, file })),
    });
  }
  return fc.option(fc.oneof(...variants), { freq: 12, nil: undefined });
}

const asObject = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function omit(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

/** For each bounded field, the values one step past its documented bounds. */
function justOutside(schema: JsonSchema, schemas: SchemaArbitraries): [string, unknown][] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).flatMap(([key, raw]) => {
    const field = schemas.resolve(raw);
    const values: unknown[] = [];
    if (typeof field.minimum === 'number') values.push(field.minimum - 1);
    if (typeof field.maximum === 'number') values.push(field.maximum + 1);
    if (typeof field.minLength === 'number' && field.minLength > 0) values.push('x'.repeat(field.minLength - 1));
    if (typeof field.maxLength === 'number') values.push('x'.repeat(field.maxLength + 1));
    if (typeof field.maxItems === 'number') values.push(Array.from({ length: field.maxItems + 1 }, () => ({})));
    return values.map((value): [string, unknown] => [key, value]);
  });
}
