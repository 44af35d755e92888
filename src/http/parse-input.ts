// Turning request parts into validated input, handed to the route handler
// (req.body and req.query keep their raw values). Every failure is a 400 (or
// 404 for a path id, 415 for a body of the wrong type) naming the fields.
import type { Request } from 'express';
import type { z, ZodType } from 'zod';
import '../lib/zod-messages';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { HttpError } from './errors';
import { nullCharacterErrors } from './null-characters';
import { zodFieldErrors } from './zod-errors';

export function bodyOf(req: Request, multipartAllowed: boolean): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json') && !(multipartAllowed && req.is('multipart/form-data'))) {
    throw new HttpError(415, `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.`);
  }
  return req.body ?? {};
}

const WHERE_LABEL = { body: 'Invalid input', query: 'Invalid query parameter', header: 'Invalid header' } as const;

export function parseInput<T extends ZodType>(schema: T, input: unknown, where: keyof typeof WHERE_LABEL): z.output<T> {
  const withNull = nullCharacterErrors(input);
  if (withNull) throw invalid(where, withNull);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(where, zodFieldErrors(result.error));
}

function invalid(where: keyof typeof WHERE_LABEL, errors: FieldErrors): ValidationError {
  const fields = Object.keys(errors);
  const plural = where !== 'body' && fields.length > 1 ? 's' : '';
  const detail = `${WHERE_LABEL[where]}${plural}${fields.length ? `: ${fields.join(', ')}` : ''}.`;
  return new ValidationError(detail, errors);
}

// A path parameter that is not a valid id names no resource: 404, as DRF does.
export function parseParams<T extends ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new HttpError(404, 'Not found.');
  return result.data;
}
