// Conditional GET (RFC 9110 13.1.2): If-None-Match against the ETag a GET
// would send, compared weakly (W/"x" matches "x"), so a client that holds the
// current representation gets a 304 without a body.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const ifNoneMatchHeaders = z.object({
  'if-none-match': z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'ETags of representations the client holds: 304 if the current one is among them.', example: '"12-1795616831251"' }),
});

const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** True when `ifNoneMatch` (the header) names `etag`, or is `*`: the answer is then 304. */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const current = opaque(etag);
  // Ours hold no comma, so splitting a list on commas cannot forge a match.
  return ifNoneMatch.split(',').some((tag) => opaque(tag.trim()) === current);
}

/** A weak ETag from the parts a representation is made of, in order. */
export function weakETag(parts: readonly (string | number)[]): string {
  return `W/"${createHash('sha1').update(parts.join('\n')).digest('base64url')}"`;
}
