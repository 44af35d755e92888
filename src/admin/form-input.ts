// Reading admin forms: fields arrive as strings (a checkbox as 'on' or not at
// all), are checked by the API's own NUL check and zod schemas, and any
// refusal, whether from those or from a service's rule, becomes messages
// beside the fields.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { nullCharacterErrors } from '../http/null-characters';
import { idParams } from '../http/params';
import { zodFieldErrors } from '../http/zod-errors';
import { NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import type { Actor } from '../modules/audit/audit.service';

export const textField = (value: unknown): string => (typeof value === 'string' ? value : '');
export const checkboxField = (value: unknown): boolean => value === 'on';

/** The signed-in staff member, as the change log names them. */
export const adminActor = (res: Response): Actor => ({ id: res.locals.staff.id, username: res.locals.staff.username, via: 'admin' });

/** The `:id` of the path, or a 404 page for anything that is not one. */
export function pathId(req: Request, message = 'Not found.'): number {
  const parsed = idParams.safeParse(req.params);
  if (!parsed.success) throw new NotFoundError(message);
  return parsed.data.id;
}

/**
 * A list's `?user=` filter, the same in every section: empty means no filter;
 * anything that is not an id names no one (0 matches nothing), so the list
 * comes out empty rather than silently unfiltered.
 */
export function idFilter(raw: string): number | undefined {
  if (!raw) return undefined;
  const parsed = idParams.safeParse({ id: raw });
  return parsed.success ? parsed.data.id : 0;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** The form's fields by the API's rules: a NUL first (PostgreSQL could not store it), then the schema. */
export function parseForm<S extends z.ZodType>(schema: S, input: unknown): FormResult<z.output<S>> {
  const withNull = nullCharacterErrors(input);
  if (withNull) return { ok: false, errors: withNull };
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: zodFieldErrors(parsed.error) };
}

/** A service's ValidationError as form errors (a message without a field goes above the form); anything else is rethrown. */
export function refusal(error: unknown): FieldErrors {
  if (!(error instanceof ValidationError)) throw error;
  return Object.keys(error.errors).length > 0 ? error.errors : { non_field_errors: [error.message] };
}
