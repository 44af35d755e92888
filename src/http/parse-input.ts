// Turning request parts into validated input, handed to the route handler
// (req.body and req.query keep their raw values). Every failure is a 400 (or
// 404 for a path id, 415 for a body of the wrong type) naming the fields.
import type { Request } from 'express';
import type { z, ZodType } from 'zod';
import '../lib/zod-messages';
import { ValidationError, type FieldErrors } from '../lib/errors';
import { HttpError } from './errors';
import { fieldName, zodFieldErrors } from './zod-errors';

export function bodyOf(req: Request, multipartAllowed: boolean): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json') && !(multipartAllowed && req.is('multipart/form-data'))) {
    throw new HttpError(415, `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.`);
  }
  return req.body ?? {};
}

const WHERE_LABEL = { body: 'Invalid input', query: 'Invalid query parameter', header: 'Invalid header' } as const;

/**
 * PostgreSQL text cannot hold U+0000; DRF refuses it with this very message.
 * One pass over every key and value with an explicit stack (bodies are at
 * most 32 levels deep, see json-body.ts, but the walk does not rely on it).
 * Each step links to its parent instead of copying the path, so the cost is
 * linear in the input; the path is spelled out only for the field reported.
 */
interface Step {
  value: unknown;
  key?: string;
  parent?: Step;
}

function pathOf(step: Step): string[] {
  const path: string[] = [];
  for (let at: Step | undefined = step; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

export function findNullCharacter(input: unknown): string | undefined {
  const stack: Step[] = [{ value: input }];
  while (stack.length) {
    const step = stack.pop()!;
    const { value } = step;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return step.key === undefined ? 'non_field_errors' : fieldName(pathOf(step));
    } else if (value && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        if (key.includes('\u0000')) return fieldName([...pathOf(step), key]);
        stack.push({ value: (value as Record<string, unknown>)[key], key, parent: step });
      }
    }
  }
  return undefined;
}

export function parseInput<T extends ZodType>(schema: T, input: unknown, where: keyof typeof WHERE_LABEL): z.output<T> {
  const withNull = findNullCharacter(input);
  if (withNull) throw invalid(where, { [withNull]: ['Null characters are not allowed.'] });
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
