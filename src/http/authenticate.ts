// Bearer-token authentication. The user is loaded on every request so a
// deleted or deactivated account loses access at once, not when its token expires.
import type { Request } from 'express';
import { AuthenticationError, PermissionDeniedError } from '../lib/errors';
import { verifyToken } from '../lib/tokens';
import { findActiveUser, type AuthUser } from '../modules/users/users.service';

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
  const user = await findActiveUser(claims.user_id);
  if (!user) throw new AuthenticationError('User not found or inactive.', 'token_not_valid');
  if (level === 'staff' && !user.isStaff) throw new PermissionDeniedError();
  req.user = user;
  return user;
}
