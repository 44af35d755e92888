import type { z } from 'zod';
import type { FieldErrors } from '../lib/errors';

/** zod issues as DRF-style `{field: [messages]}`; form-level issues go under `non_field_errors`. */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  // No prototype: a client's field may well be called "constructor".
  const errors: FieldErrors = Object.create(null);
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : 'non_field_errors';
    if (issue.code === 'unrecognized_keys') {
      for (const unknownKey of issue.keys) {
        const field = [...issue.path, unknownKey].join('.');
        (errors[field] ??= []).push('Unknown field.');
      }
      continue;
    }
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}
