// The outbox as staff see it in the admin site: every mail with its state and
// last error, newest first, and a failed mail sent on its way again.
import { db, type Db, Prisma } from '../../lib/db';
import { NotFoundError, ValidationError } from '../../lib/errors';
import type { PageRequest } from '../../http/pagination';
import { recordChange, type Actor } from '../audit/audit.service';
import type { MailStatus } from '../../generated/prisma/client';

export const MAIL_STATUSES: MailStatus[] = ['queued', 'sent', 'failed', 'discarded'];

const listed = {
  id: true,
  template: true,
  toAddress: true,
  userId: true,
  orderId: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastError: true,
  createdAt: true,
  sentAt: true,
} satisfies Prisma.MailSelect;

export type ListedMail = Prisma.MailGetPayload<{ select: typeof listed }>;

/** The columns staff may sort the outbox by; `-` first for descending. */
export const MAIL_SORTS = ['id', '-id', 'to', '-to', 'status', '-status', 'attempts', '-attempts', 'next', '-next'] as const;
export type MailSort = (typeof MAIL_SORTS)[number];

function mailOrder(sort: MailSort): Prisma.MailOrderByWithRelationInput[] {
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const column = sort.replace(/^-/, '');
  const by: Prisma.MailOrderByWithRelationInput =
    column === 'to' ? { toAddress: direction } : column === 'status' ? { status: direction } : column === 'attempts' ? { attempts: direction } : column === 'next' ? { nextAttemptAt: direction } : { id: direction };
  return column === 'id' ? [by] : [by, { id: direction }];
}

/** A page of mail, newest first unless sorted (the index on (status, id DESC) serves the status filter). */
export async function listMail(filter: { status?: MailStatus; sort?: MailSort }, page: PageRequest, client: Db = db()) {
  const where: Prisma.MailWhereInput = filter.status ? { status: filter.status } : {};
  const [count, results] = await Promise.all([
    client.mail.count({ where }),
    client.mail.findMany({ where, select: listed, orderBy: mailOrder(filter.sort ?? '-id'), skip: page.skip, take: page.take }),
  ]);
  return { count, results };
}

/** How many mails are in each state: the section's filter counts. */
export async function mailCounts(client: Db = db()): Promise<Record<MailStatus, number>> {
  const groups = await client.mail.groupBy({ by: ['status'], _count: { _all: true } });
  const counts = { queued: 0, sent: 0, failed: 0, discarded: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

/**
 * A failed mail queued again with a fresh set of attempts, due now (the
 * worker picks it up at its next poll). Only a failed mail: one queued or
 * sent is left alone, so a double click cannot send it twice.
 */
export async function retryMail(id: number, actor: Actor): Promise<void> {
  await db().$transaction(async (tx) => {
    const [mail] = await tx.mail.updateManyAndReturn({
      where: { id, status: 'failed' },
      data: { status: 'queued', attempts: 0, nextAttemptAt: new Date(), claimToken: null },
      select: { id: true, template: true, toAddress: true },
    });
    if (!mail) {
      const exists = await tx.mail.findUnique({ where: { id }, select: { status: true } });
      if (!exists) throw new NotFoundError('No mail matches the given query.');
      throw new ValidationError(`Only a failed mail can be retried; this one is ${exists.status}.`);
    }
    await recordChange(tx, actor, {
      action: 'status', objectType: 'mail', objectId: id, objectRepr: `Mail #${id} (${mail.template} to ${mail.toAddress})`,
      changes: { status: ['failed', 'queued'] },
    });
  });
}
