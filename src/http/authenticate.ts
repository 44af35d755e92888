// Bearer-token authentication. The user and the token's session are checked on
// every request, so logout, a password change, deactivation and deletion take
// away access at once, not when the token expires.
import type { Request } from 'express';
import { AuthenticationError, PermissionDeniedError } from '../lib/errors';
import { INVALID_TOKEN_MESSAGE, verifyToken } from '../lib/tokens';
import { findSessionUser } from '../modules/auth/session-user';
import type { AuthUser } from '../modules/users/users.service';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: AuthUser;
    }
  }
}

export type AuthLevel = 'user' | 'staff';

export async function authenticate(req: Request, level: AuthLevel): Promise<AuthUser> {
  const header = req.headers.authorization;
  if (!header) {
    throw new AuthenticationError('Authentication credentials were not provided.', 'not_authenticated');
  }
  const [scheme, token, ...rest] = header.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token || rest.length > 0) {
    throw new AuthenticationError('Authorization header must be "Bearer <token>".', 'not_authenticated');
  }
  const claims = verifyToken(token, 'access');
  const user = await findSessionUser(claims);
  if (!user) throw new AuthenticationError(INVALID_TOKEN_MESSAGE, 'token_not_valid');
  if (level === 'staff' && !user.isStaff) throw new PermissionDeniedError();
  req.user = user;
  return user;
}
