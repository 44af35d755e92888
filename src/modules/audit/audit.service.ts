// The log of every change staff make (Django's admin LogEntry): who, when,
// which object, what changed. Services write it in the same transaction as the
// change itself, whether the change came from the admin site or the staff API.
import { db, type Db, Prisma } from '../../lib/db';

export type AuditAction = 'create' | 'update' | 'delete' | 'status';
export type AuditObject = 'product' | 'category' | 'order' | 'user' | 'cart_item' | 'mail';

/** A staff member making a change, and through which door. */
export interface Actor {
  id: number;
  username: string;
  via: 'admin' | 'api';
}

/** A staff member acting through the staff API. */
export const apiActor = (user: { id: number; username: string }): Actor => ({ id: user.id, username: user.username, via: 'api' });

export interface Change {
  action: AuditAction;
  objectType: AuditObject;
  objectId: number;
  objectRepr: string;
  /** field -> [before, after] */
  changes?: Record<string, [unknown, unknown]>;
}

/**
 * Writes one entry, for changes made by staff (no actor: nothing to log). An
 * update that changed no field is not a change, and leaves no entry.
 */
export async function recordChange(client: Db, actor: Actor | undefined, change: Change): Promise<void> {
  if (!actor) return;
  if (change.action === 'update' && Object.keys(change.changes ?? {}).length === 0) return;
  await client.adminLogEntry.create({
    data: {
      actorId: actor.id,
      actorUsername: actor.username,
      via: actor.via,
      action: change.action,
      objectType: change.objectType,
      objectId: change.objectId,
      objectRepr: change.objectRepr.slice(0, 200),
      changes: (change.changes ?? {}) as Prisma.InputJsonValue,
    },
  });
}

/** The fields whose values differ, as field -> [before, after] (values compared as JSON). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of Object.keys(after)) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = [before[field], after[field]];
  }
  return changes;
}

export type LogEntry = Prisma.AdminLogEntryGetPayload<object>;

export function recentChanges(limit = 20, client: Db = db()): Promise<LogEntry[]> {
  return client.adminLogEntry.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
}

export function changesOf(objectType: AuditObject, objectId: number, client: Db = db()): Promise<LogEntry[]> {
  return client.adminLogEntry.findMany({ where: { objectType, objectId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 50 });
}

/** The columns staff may sort the change log by; `-` first for descending. */
export const LOG_SORTS = ['when', '-when', 'who', '-who', 'action', '-action', 'object', '-object', 'via', '-via'] as const;
export type LogSort = (typeof LOG_SORTS)[number];
export const LOG_OBJECTS: AuditObject[] = ['product', 'category', 'order', 'user', 'cart_item', 'mail'];

function logOrder(sort: LogSort): Prisma.AdminLogEntryOrderByWithRelationInput[] {
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const column = sort.replace(/^-/, '');
  // Ties (one staff member's many changes, one action) keep the newest first,
  // so a sorted page reads like the log it came from.
  const newestFirst: Prisma.AdminLogEntryOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
  if (column === 'when') return [{ createdAt: direction }, { id: direction }];
  if (column === 'who') return [{ actorUsername: direction }, ...newestFirst];
  if (column === 'action') return [{ action: direction }, ...newestFirst];
  if (column === 'via') return [{ via: direction }, ...newestFirst];
  return [{ objectType: direction }, { objectId: direction }, ...newestFirst];
}

/** A page of the log, newest first unless sorted, of one kind of object if asked. */
export async function listChanges(
  filter: { objectType?: AuditObject; sort?: LogSort },
  page: { skip: number; take: number },
  client: Db = db(),
) {
  const where: Prisma.AdminLogEntryWhereInput = filter.objectType ? { objectType: filter.objectType } : {};
  const [count, results] = await Promise.all([
    client.adminLogEntry.count({ where }),
    client.adminLogEntry.findMany({ where, orderBy: logOrder(filter.sort ?? '-when'), skip: page.skip, take: page.take }),
  ]);
  return { count, results };
}
