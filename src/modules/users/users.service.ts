import { db, type Db, Prisma } from '../../lib/db';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { escapeLike } from '../../lib/like-pattern';
import { hashPassword, verifyPassword } from '../../lib/password';
import type { Throttle } from '../../lib/throttle';
import { uniqueViolation } from '../../lib/unique-violation';
import type { PageRequest } from '../../http/pagination';
import { PASSWORD_TOO_SIMILAR, passwordTooSimilar, type AdminUpdateUserInput, type RegisterInput, type UpdateMeInput } from './users.schemas';
import { endAllSessions } from '../auth/refresh-tokens';
import { queueAccountMail } from '../mail/mail.outbox';
import { changedFields, recordChange, type Actor } from '../audit/audit.service';
import { isSuperuser, refuseSelfLockout, refuseSuperuserWithoutStaff, requireSuperuser, rolesAfter, superuserChanges } from './users.roles';

export interface AuthUser {
  id: number;
  username: string;
  isStaff: boolean;
}

/** An account that may be issued tokens, at its current token version. */
export interface TokenUser extends AuthUser {
  tokenVersion: number;
}

/** Everything but the password hash, which never leaves this module. */
const publicUser = {
  id: true,
  username: true,
  email: true,
  isStaff: true,
  isSuperuser: true,
  isActive: true,
  dateJoined: true,
} satisfies Prisma.UserSelect;

type PublicUser = Prisma.UserGetPayload<{ select: typeof publicUser }>;

/** A user as they see themselves: `is_superuser` only for staff, since customers have no use for it. */
export function toUser(user: PublicUser) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    is_staff: user.isStaff,
    ...(user.isStaff ? { is_superuser: user.isSuperuser } : {}),
    date_joined: user.dateJoined.toISOString(),
  };
}

/** A user as staff see them. */
export function toAdminUser(user: PublicUser) {
  return { ...toUser(user), is_superuser: user.isSuperuser, is_active: user.isActive };
}

export interface UserFlags {
  isStaff: boolean;
  isSuperuser?: boolean;
  isActive?: boolean;
}

/** Registration, and create-admin (a superuser): trusted callers, so no actor and no role rules. */
export async function registerUser(input: RegisterInput, flags: UserFlags = { isStaff: false }, client: Db = db()) {
  refuseSuperuserWithoutStaff({ isStaff: flags.isStaff, isSuperuser: flags.isSuperuser ?? false });
  const passwordHash = await hashPassword(input.password);
  const user = await insertUser(client, input, passwordHash, flags);
  return { id: user.id, username: user.username, email: user.email, date_joined: user.dateJoined.toISOString() };
}

function insertUser(client: Db, input: RegisterInput, passwordHash: string, flags: UserFlags) {
  return client.user
    .create({ data: { username: input.username, email: input.email, passwordHash, ...flags }, select: publicUser })
    .catch(rethrowDuplicate);
}

/** How a user reads in the change log: the fields staff may change. */
const logged = (user: PublicUser) => ({
  username: user.username, email: user.email, is_staff: user.isStaff, is_superuser: user.isSuperuser, is_active: user.isActive,
});
const nothing = { username: null, email: null, is_staff: null, is_superuser: null, is_active: null };

/**
 * Staff creating an account (the input is checked by registerBody, as at
 * registration): hashed like any password, logged with the new values. Only a
 * superuser creates a staff account.
 */
export async function createUser(input: RegisterInput, flags: UserFlags, actor: Actor) {
  refuseSuperuserWithoutStaff({ isStaff: flags.isStaff, isSuperuser: flags.isSuperuser ?? false });
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    const [actorRow] = await lockRows(tx, [actor.id]);
    requireSuperuser(actorRow, flags.isStaff ? ['create a staff account'] : []);
    const user = await insertUser(tx, input, passwordHash, flags);
    await recordChange(tx, actor, { action: 'create', objectType: 'user', objectId: user.id, objectRepr: user.username, changes: changedFields(nothing, logged(user)) });
    return user;
  });
}

/** Whether this staff member may manage staff now: what the admin offers them (the rules are checked again on each change). */
export async function managesStaff(id: number, client: Db = db()): Promise<boolean> {
  return isSuperuser(await client.user.findUnique({ where: { id }, select: { isStaff: true, isSuperuser: true, isActive: true } }));
}

export async function getUser(id: number, client: Db = db()) {
  const user = await client.user.findUnique({ where: { id }, select: publicUser });
  if (!user) throw new NotFoundError();
  return user;
}

export async function updateMe(id: number, input: UpdateMeInput, passwordChecks: Throttle) {
  const data: Prisma.UserUpdateInput = {};
  // With a password change, the row is updated only if it still has the hash
  // the current password was checked against: of two racing changes, one wins.
  let verifiedHash: string | undefined;
  if (input.email !== undefined) data.email = input.email;
  if (input.password !== undefined) {
    const current = await db().user.findUniqueOrThrow({ where: { id }, select: { passwordHash: true, username: true, email: true } });
    if (!(await passwordChecks.attempt(String(id), () => verifyPassword(input.current_password ?? '', current.passwordHash)))) {
      throw ValidationError.field('current_password', 'The current password is not correct.');
    }
    refuseSimilarPassword(input.password, current.username, input.email ?? current.email);
    verifiedHash = current.passwordHash;
    data.passwordHash = await hashPassword(input.password);
  }
  return db().$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id, passwordHash: verifiedHash }, data }).catch(rethrowDuplicate);
    if (count === 0) throw ValidationError.field('current_password', 'The password was changed meanwhile; use the new one.');
    // A new password ends every session that knew the old one.
    if (data.passwordHash) {
      await endAllSessions(id, tx);
      await queueAccountMail(tx, 'password_changed', { userId: id }, { how: 'from your account settings' });
    }
    return tx.user.findUniqueOrThrow({ where: { id }, select: publicUser });
  });
}

/** The columns the admin's user list sorts by; `-` first for descending. */
export const USER_SORTS = ['username', '-username', 'email', '-email', 'role', '-role', 'active', '-active', 'joined', '-joined'] as const;
export type UserSort = (typeof USER_SORTS)[number];

function userOrder(sort: UserSort | undefined): Prisma.UserOrderByWithRelationInput[] {
  if (!sort) return [{ id: 'asc' }];
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const column = sort.replace(/^-/, '');
  const by: Prisma.UserOrderByWithRelationInput[] =
    column === 'username' ? [{ username: direction }]
      : column === 'email' ? [{ email: direction }]
        : column === 'role' ? [{ isSuperuser: direction }, { isStaff: direction }]
          : column === 'active' ? [{ isActive: direction }]
            : [{ dateJoined: direction }];
  // The id breaks ties, so pages never repeat or skip a user.
  return [...by, { id: direction }];
}

export async function listUsers(page: PageRequest, filter: { search?: string; sort?: UserSort } = {}, client: Db = db()) {
  const where: Prisma.UserWhereInput = filter.search
    ? { OR: [{ username: { contains: escapeLike(filter.search), mode: 'insensitive' } }, { email: { contains: escapeLike(filter.search), mode: 'insensitive' } }] }
    : {};
  const [count, users] = await Promise.all([
    client.user.count({ where }),
    client.user.findMany({ where, select: publicUser, orderBy: userOrder(filter.sort), skip: page.skip, take: page.take }),
  ]);
  return { count, results: users.map(toAdminUser) };
}

/**
 * Locks the rows of the user changed (`id`) and of the staff member changing
 * it, in id order so that two of them changing each other cannot deadlock,
 * and reads both: the logged "before" is exact, and neither account's roles
 * can change until the transaction ends.
 */
async function lockAccounts(tx: Db, actor: Actor, id: number): Promise<{ before: PublicUser; actorRow: PublicUser | undefined }> {
  const rows = await lockRows(tx, [actor.id, id]);
  const before = rows.find((row) => row.id === id);
  if (!before) throw new NotFoundError();
  return { before, actorRow: rows.find((row) => row.id === actor.id) };
}

async function lockRows(tx: Db, ids: number[]): Promise<PublicUser[]> {
  await tx.$queryRaw`SELECT 1 FROM users WHERE id = ANY(${ids}::int[]) ORDER BY id FOR NO KEY UPDATE`;
  return tx.user.findMany({ where: { id: { in: ids } }, select: publicUser });
}

export async function adminUpdateUser(id: number, input: AdminUpdateUserInput, actor: Actor) {
  return db().$transaction(async (tx) => {
    const { before, actorRow } = await lockAccounts(tx, actor, id);
    if (id === actor.id) refuseSelfLockout(before, input);
    requireSuperuser(actorRow, superuserChanges(before, input, actor.id));
    const roles = rolesAfter(before, input);
    const user = await tx.user
      .update({
        where: { id },
        data: { username: input.username, email: input.email, isStaff: roles.isStaff, isSuperuser: roles.isSuperuser, isActive: input.is_active },
        select: publicUser,
      })
      .catch(rethrowDuplicate);
    if (input.is_active === false) await endAllSessions(id, tx);
    // Losing staff ends admin sessions for good, not only while it lasts:
    // staff granted again later log in again, their old cookies stay dead.
    if (before.isStaff && !user.isStaff) await tx.adminSession.deleteMany({ where: { userId: id } });
    await recordChange(tx, actor, { action: 'update', objectType: 'user', objectId: id, objectRepr: user.username, changes: changedFields(logged(before), logged(user)) });
    return user;
  });
}

/**
 * Staff giving a user a new password: checked like any other (the rules of
 * passwordField, then similarity to this user's name and email), and every
 * session of theirs ends. The log says that it changed, never what to. Only a
 * superuser sets a staff member's; nobody sets their own without the current
 * one (updateMe).
 */
export async function setUserPassword(id: number, password: string, actor: Actor): Promise<void> {
  if (id === actor.id) throw new ValidationError('Changing your own password needs your current one.');
  const target = await getUser(id);
  refuseSimilarPassword(password, target.username, target.email);
  const passwordHash = await hashPassword(password);
  await db().$transaction(async (tx) => {
    const { before, actorRow } = await lockAccounts(tx, actor, id);
    requireSuperuser(actorRow, before.isStaff ? ["set a staff member's password"] : []);
    await tx.user.update({ where: { id }, data: { passwordHash } });
    await endAllSessions(id, tx);
    await queueAccountMail(tx, 'password_changed', { userId: id }, { how: 'by the shop\'s staff' });
    await recordChange(tx, actor, { action: 'update', objectType: 'user', objectId: id, objectRepr: target.username, changes: { password: ['(old password)', '(new password)'] } });
  });
}

/** Orders stay, as history, without an owner (the foreign key sets it null). */
export async function deleteUser(id: number, actor: Actor): Promise<void> {
  if (actor.id === id) throw new ValidationError('You cannot delete your own account.');
  await db().$transaction(async (tx) => {
    const { before, actorRow } = await lockAccounts(tx, actor, id);
    requireSuperuser(actorRow, before.isStaff ? ['delete a staff account'] : []);
    await tx.user.delete({ where: { id } });
    await recordChange(tx, actor, { action: 'delete', objectType: 'user', objectId: id, objectRepr: before.username });
  });
}

/** The similarity rule registration applies in its schema, for changes where the other fields come from the database. */
function refuseSimilarPassword(password: string, username: string, email: string): void {
  if (passwordTooSimilar(password, username, email)) throw ValidationError.field('password', PASSWORD_TOO_SIMILAR);
}

function rethrowDuplicate(error: unknown): never {
  const names = uniqueViolation(error);
  if (names?.some((n) => n.includes('email'))) {
    throw ValidationError.field('email', 'A user with that email already exists.');
  }
  if (names?.some((n) => n.includes('username'))) {
    throw ValidationError.field('username', 'A user with that username already exists.');
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw new NotFoundError();
  throw error;
}
