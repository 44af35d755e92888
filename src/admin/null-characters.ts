// A NUL in an admin URL's query string is refused with the API's check and
// message, before any page reads it: a 400 page naming the parameter, with a
// link to the same page without the NUL. Form fields get the same check in
// parseForm, so a form shows the message beside the field that held one.
import type { Request, RequestHandler } from 'express';
import { findNullCharacter, NULL_CHARACTER_MESSAGE } from '../http/null-characters';
import { render } from './render';

const withoutNul = (text: string) => text.replaceAll('\u0000', '');

/** This page's URL with every NUL taken out of its query string (only the path is kept of the URL, never a host). */
function retryUrl(req: Request): string {
  const url = new URL(req.originalUrl, 'http://admin.invalid');
  const query = new URLSearchParams([...url.searchParams].map(([name, value]): [string, string] => [withoutNul(name), withoutNul(value)]));
  return `${url.pathname}?${query}`;
}

export const refuseNullCharactersInQuery: RequestHandler = (req, res, next) => {
  const field = findNullCharacter(req.query);
  if (field === undefined) return next();
  const message = `${NULL_CHARACTER_MESSAGE} The query parameter “${withoutNul(field)}” holds one.`;
  render(res, 'error', { title: 'Bad request', message, retry: retryUrl(req) }, 400);
};
