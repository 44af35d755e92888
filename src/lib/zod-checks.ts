import type { z } from 'zod';

/**
 * For every object-level refinement: run it only once each field is valid.
 * zod 4 runs an object's refinements even after a field failed a check that
 * does not abort (a failed regex keeps the raw string), so without this a
 * refinement meets input its own fields refused: `new Money('price;drop')`.
 */
export const whenFieldsValid = { when: (payload: z.core.ParsePayload) => payload.issues.length === 0 };
