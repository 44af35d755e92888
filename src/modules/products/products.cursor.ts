// The opaque `cursor` of keyset pages (DRF's CursorPagination keeps it opaque
// too): base64url of [ordering, value, id, direction]. A cursor names a row,
// never an offset, so reading on from it costs the same at any depth. One that
// was not made here, or belongs to another ordering, is refused.
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors';
import { ORDERINGS } from './products.schemas';
import type { Ordering, ProductCursor } from './products.queries';

const encoded = z.tuple([z.enum(ORDERINGS), z.string().max(300), z.number().int().min(1).max(2_147_483_647), z.union([z.literal(0), z.literal(1)])]);

export function encodeCursor(cursor: ProductCursor): string {
  return Buffer.from(JSON.stringify([cursor.ordering, cursor.value, cursor.id, cursor.direction === 'previous' ? 1 : 0])).toString('base64url');
}

const invalid = () => new NotFoundError('Invalid cursor.');

export function decodeCursor(raw: string, ordering: Ordering): ProductCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const checked = encoded.safeParse(parsed);
  if (!checked.success || checked.data[0] !== ordering) throw invalid();
  const [, value, id, backwards] = checked.data;
  if (!valueFits(ordering, value)) throw invalid();
  return { ordering, value, id, direction: backwards ? 'previous' : 'next' };
}

/** The value must cast in SQL as its column's type, or the query would fail instead of the cursor. */
function valueFits(ordering: Ordering, value: string): boolean {
  if (ordering.endsWith('price')) return /^\d{1,8}\.\d{2}$/.test(value);
  if (ordering.endsWith('stock')) return /^\d{1,10}$/.test(value) && Number(value) <= 2_147_483_647;
  if (ordering.endsWith('created_at')) return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) && !Number.isNaN(Date.parse(value));
  return !value.includes('\u0000');
}
