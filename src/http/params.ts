import { z } from 'zod';

/** A path id: digits only (so `1.0` and `0x2` name nothing, as in DRF), within int4. */
export const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,10}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(2_147_483_647))
    .meta({ description: 'Integer id', type: 'integer' }),
});
