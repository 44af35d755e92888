// PostgreSQL text cannot hold U+0000: a NUL in any input is refused before it
// reaches the database, with the message DRF gives. One check for the API
// (parse-input.ts) and the admin site (its query strings and forms).
import type { FieldErrors } from '../lib/errors';
import { fieldName } from './zod-errors';

export const NULL_CHARACTER_MESSAGE = 'Null characters are not allowed.';

/**
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

/** The first field (a dotted path) whose name or value holds a NUL; `non_field_errors` for a bare string. */
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

/** The refusal as field errors, or undefined when the input holds no NUL. */
export function nullCharacterErrors(input: unknown): FieldErrors | undefined {
  const field = findNullCharacter(input);
  return field === undefined ? undefined : { [field]: [NULL_CHARACTER_MESSAGE] };
}
