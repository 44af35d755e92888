// The database refusals a category write can meet, read from what Prisma 7
// with @prisma/adapter-pg passes on (meta.driverAdapterError.cause), whether
// the statement came from the query API (P2002, P2003...) or raw SQL (P2010).
// The adapter keeps a constraint's name for unique and foreign-key violations,
// but for any other SQLSTATE (a trigger's check_violation) only its code and
// message: so the cycle is told by the message the trigger raises.
import { ConflictError, ValidationError } from '../../lib/errors';
import { uniqueViolation } from '../../lib/unique-violation';

interface AdapterCause {
  kind?: string;
  code?: string;
  originalCode?: string;
  message?: string;
  originalMessage?: string;
  constraint?: { index?: string; fields?: string[] };
}

function causeOf(error: unknown): AdapterCause | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: unknown } } } | undefined)?.meta;
  const cause = meta?.driverAdapterError?.cause;
  return cause && typeof cause === 'object' ? (cause as AdapterCause) : undefined;
}

/** The foreign key a write or delete ran into (its constraint name), if that is what refused it. */
export function foreignKeyViolation(error: unknown): string | undefined {
  const cause = causeOf(error);
  if (cause?.kind !== 'ForeignKeyConstraintViolation') return undefined;
  return [cause.constraint?.index, ...(cause.constraint?.fields ?? [])].filter(Boolean).join(' ');
}

// The trigger categories_refuse_cycle raises check_violation (23514) as
// 'category <id> cannot be placed under its own descendant <parent>'.
const CYCLE_MESSAGE = /cannot be placed under its own descendant/;

export function cycleViolation(error: unknown): boolean {
  const cause = causeOf(error);
  const code = cause?.originalCode ?? cause?.code;
  return code === '23514' && CYCLE_MESSAGE.test(String(cause?.originalMessage ?? cause?.message ?? ''));
}

/**
 * CHECK categories_not_own_parent: only a create can meet it (an update meets
 * the trigger first), when parent_id names the id the new row is given, a
 * category that did not exist when the request was made.
 */
function ownParentViolation(error: unknown): boolean {
  const cause = causeOf(error);
  const code = cause?.originalCode ?? cause?.code;
  return code === '23514' && /categories_not_own_parent/.test(String(cause?.originalMessage ?? cause?.message ?? ''));
}

export const PARENT_IS_DESCENDANT = 'A category cannot be placed under itself or under one of its own subcategories.';
export const SLUG_TAKEN = 'A category with this slug already exists.';

/** A create's or update's refusal by the database as the field it concerns; anything else is rethrown as it is. */
export function writeRefusal(error: unknown, parentId: number | null | undefined): unknown {
  if (uniqueViolation(error)?.some((name) => name.includes('slug'))) return ValidationError.field('slug', SLUG_TAKEN);
  if (cycleViolation(error)) return ValidationError.field('parent_id', PARENT_IS_DESCENDANT);
  if (foreignKeyViolation(error)?.includes('parent_id') || ownParentViolation(error)) {
    return ValidationError.field('parent_id', `Invalid pk "${parentId}" - object does not exist.`);
  }
  return error;
}

/** A delete refused by a RESTRICT foreign key: the category still holds products, or other categories. */
export function deleteRefusal(error: unknown, name: string): unknown {
  const key = foreignKeyViolation(error);
  if (key === undefined) return error;
  const message = key.includes('products')
    ? `The category "${name}" still holds products; move them to another category or delete them first.`
    : `The category "${name}" still holds other categories; move or delete them first.`;
  return new ConflictError(message, { code: 'category_in_use' });
}
