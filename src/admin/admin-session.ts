// Staff sessions of the admin site. The cookie holds a random token; the
// database keeps its SHA-256 and the user's token version at login. A session
// counts only while its row exists (logout deletes it), the user is active
// and staff, and their token version is unchanged (a password change raises
// it): so logout, deactivation, demotion and a new password end it at once.
import { randomBytes } from 'node:crypto';
import { db } from '../lib/db';
import { tokenDigest } from '../lib/tokens';
import type { TokenUser } from '../modules/users/users.service';

export const SESSION_COOKIE = 'shop_admin_session';
export const SESSION_HOURS = 12;

export interface StaffSession {
  id: number;
  user: { id: number; username: string };
}

export async function openSession(user: TokenUser): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
  await db().adminSession.create({ data: { userId: user.id, tokenHash: tokenDigest(token), tokenVersion: user.tokenVersion, expiresAt } });
  return { token, expiresAt };
}

export async function findSession(token: unknown): Promise<StaffSession | null> {
  if (typeof token !== 'string' || !token || token.length > 100) return null;
  const [row] = await db().$queryRaw<{ id: number; user_id: number; username: string }[]>`
    SELECT s.id, u.id AS user_id, u.username FROM admin_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = ${tokenDigest(token)} AND s.expires_at > now()
      AND u.is_active AND u.is_staff AND u.token_version = s.token_version`;
  return row ? { id: row.id, user: { id: row.user_id, username: row.username } } : null;
}

export async function closeSession(token: unknown): Promise<void> {
  if (typeof token === 'string' && token) await db().adminSession.deleteMany({ where: { tokenHash: tokenDigest(token) } });
}
