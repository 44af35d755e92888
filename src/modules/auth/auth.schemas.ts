import { z } from 'zod';

const token = z.string().min(1, 'This field may not be blank.').max(4096);

export const loginBody = z
  .strictObject({
    username: z.string().min(1, 'This field may not be blank.').max(254).meta({ description: 'Username or email' }),
    password: z.string().min(1, 'This field may not be blank.').max(128),
  })
  .meta({ id: 'TokenObtainRequest', example: { username: 'alice', password: 'correct-horse-battery' } });

export const tokenPair = z
  .strictObject({ access: z.string(), refresh: z.string() })
  .meta({ id: 'TokenPair', example: { access: 'eyJhbGciOiJIUzI1NiIs...', refresh: 'eyJhbGciOiJIUzI1NiIs...' } });

export const refreshBody = z.strictObject({ refresh: token }).meta({ id: 'TokenRefreshRequest', example: { refresh: 'eyJhbGciOiJIUzI1NiIs...' } });
export const verifyBody = z.strictObject({ token }).meta({ id: 'TokenVerifyRequest', example: { token: 'eyJhbGciOiJIUzI1NiIs...' } });
export const emptyObject = z.object({}).strict().meta({ id: 'Empty' });
