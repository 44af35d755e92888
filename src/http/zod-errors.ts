import type { z } from 'zod';
import type { FieldErrors } from '../lib/errors';

/** An error body never grows with the input: this many fields at most, each name cut to a sane length. */
export const MAX_LISTED_FIELDS = 20;
const MAX_FIELD_NAME = 100;

export function fieldName(path: readonly PropertyKey[]): string {
  const name = path.map(String).join('.');
  return name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name;
}

/** zod issues as DRF-style `{field: [messages]}`; form-level issues go under `non_field_errors`. */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  // No prototype: a client's field may well be called "constructor".
  const errors: FieldErrors = Object.create(null);
  let listed = 0;
  const add = (path: readonly PropertyKey[], message: string) => {
    const field = path.length ? fieldName(path) : 'non_field_errors';
    if (!errors[field]) {
      if (listed === MAX_LISTED_FIELDS) return;
      listed += 1;
      errors[field] = [];
    }
    errors[field]!.push(message);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const unknownKey of issue.keys.slice(0, MAX_LISTED_FIELDS)) add([...issue.path, unknownKey], 'Unknown field.');
    } else {
      add(issue.path, issue.message);
    }
    if (listed === MAX_LISTED_FIELDS) break;
  }
  return errors;
}
