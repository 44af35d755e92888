// The user a token speaks for, if the token still counts: the account is
// active, the token's version is the user's current one (a password change
// raises it) and its session (refresh family) has not been logged out or
// revoked. One query per authenticated request, so all of these take effect
// from the very next request.
import { db, type Db } from '../../lib/db';
import type { TokenClaims } from '../../lib/tokens';
import type { AuthUser } from '../users/users.service';

export async function findSessionUser(claims: TokenClaims, client: Db = db()): Promise<AuthUser | null> {
  const [row] = await client.$queryRaw<{ id: number; username: string; is_staff: boolean }[]>`
    SELECT u.id, u.username, u.is_staff FROM users u
    WHERE u.id = ${claims.user_id} AND u.is_active AND u.token_version = ${claims.ver}
      AND EXISTS (SELECT 1 FROM refresh_tokens r
                  WHERE r.family_id = ${claims.sid}::uuid AND r.user_id = u.id AND r.revoked_at IS NULL)`;
  return row ? { id: row.id, username: row.username, isStaff: row.is_staff } : null;
}
