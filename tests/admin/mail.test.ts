// The mail outbox in the admin site: staff see every mail with its state and
// the SMTP server's last answer, and send a failed one on its way again.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { queueAccountMail } from '../../src/modules/mail/mail.outbox';
import { app, buildUser, type TestUser } from '../support/api';
import { adminAgent, submit } from '../support/admin';

async function mailFor(user: TestUser, state: { status?: 'queued' | 'sent' | 'failed' | 'discarded'; lastError?: string; attempts?: number } = {}) {
  await queueAccountMail(db(), 'password_changed', { userId: user.id }, { how: 'test' });
  const mail = await db().mail.findFirstOrThrow({ where: { userId: user.id }, orderBy: { id: 'desc' } });
  return db().mail.update({
    where: { id: mail.id },
    data: { status: state.status, lastError: state.lastError, attempts: state.attempts, sentAt: state.status === 'sent' ? new Date() : undefined },
  });
}

describe('admin mail outbox', () => {
  it('is for staff only: an anonymous visitor is sent to the login page, and an anonymous retry changes nothing', async () => {
    const failed = await mailFor(await buildUser(), { status: 'failed', lastError: '550 Mailbox unavailable', attempts: 1 });
    expect((await request(app).get('/admin/mail/').expect(303)).headers.location).toBe('/admin/login?next=%2Fadmin%2Fmail%2F');
    await request(app).post(`/admin/mail/${failed.id}/retry`).type('form').send({}).expect(303);
    expect((await db().mail.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe('failed');
  });

  it('lists queued, sent and failed mail with the last error, and filters by state with counts', async () => {
    const staff = await buildUser({ isStaff: true });
    await mailFor(await buildUser({ email: 'queued@example.com' }));
    await mailFor(await buildUser({ email: 'sent@example.com' }), { status: 'sent', attempts: 1 });
    await mailFor(await buildUser({ email: 'failed@example.com' }), { status: 'failed', lastError: '550 5.1.1 <failed@example.com>: no such user', attempts: 1 });
    const agent = await adminAgent(staff);

    const all = await agent.get('/admin/mail/').expect(200);
    expect(all.text).toContain('3 mails, newest first');
    for (const address of ['queued@example.com', 'sent@example.com', 'failed@example.com']) expect(all.text).toContain(address);
    expect(all.text).toContain('550 5.1.1 &lt;failed@example.com&gt;: no such user');
    expect(all.text).toMatch(/failed \(1\)<\/option>/);

    const failedOnly = await agent.get('/admin/mail/?status=failed').expect(200);
    expect(failedOnly.text).toContain('1 mail failed');
    expect(failedOnly.text).toContain('failed@example.com');
    expect(failedOnly.text).not.toContain('sent@example.com');
    expect((await agent.get('/admin/mail/?status=discarded').expect(200)).text).toContain('No mail is discarded.');
    // Only the failed one offers a retry.
    expect(all.text.match(/\/retry"/g)).toHaveLength(1);
  });

  it('sorts by address, state and attempts, both ways, newest first by default', async () => {
    const staff = await buildUser({ isStaff: true });
    await mailFor(await buildUser({ email: 'b@example.com' }), { status: 'failed', attempts: 3 });
    await mailFor(await buildUser({ email: 'c@example.com' }), { status: 'sent', attempts: 1 });
    await mailFor(await buildUser({ email: 'a@example.com' }));
    const agent = await adminAgent(staff);
    const addresses = async (query: string) => [...(await agent.get(`/admin/mail/${query}`).expect(200)).text.matchAll(/<td><a href="\/admin\/users\/\d+\/">([^<]+)<\/a><\/td>/g)].map((m) => m[1]);

    expect(await addresses('')).toEqual(['a@example.com', 'c@example.com', 'b@example.com']);
    expect(await addresses('?sort=to')).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(await addresses('?sort=-attempts')).toEqual(['b@example.com', 'c@example.com', 'a@example.com']);
    expect(await addresses('?sort=status')).toEqual(['a@example.com', 'c@example.com', 'b@example.com']);
    expect((await agent.get('/admin/mail/?status=failed&sort=to').expect(200)).text).toContain('href="/admin/mail/?status=failed&sort=-to"');
  });

  it('queues a failed mail again, due now with fresh attempts, and logs who did it', async () => {
    const staff = await buildUser({ isStaff: true });
    const failed = await mailFor(await buildUser(), { status: 'failed', lastError: '451 Try again later', attempts: 8 });
    const agent = await adminAgent(staff);

    const res = await submit(agent, '/admin/mail/', `/admin/mail/${failed.id}/retry`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/mail/?status=queued&notice=retried');
    const after = await db().mail.findUniqueOrThrow({ where: { id: failed.id } });
    expect(after).toMatchObject({ status: 'queued', attempts: 0 });
    expect(after.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await db().adminLogEntry.findFirst({ where: { objectType: 'mail', objectId: failed.id } })).toMatchObject({ actorUsername: staff.username, action: 'status' });
  });

  it('never queues a sent mail again (a second click on a retried mail changes nothing)', async () => {
    const staff = await buildUser({ isStaff: true });
    const sent = await mailFor(await buildUser(), { status: 'sent', attempts: 1 });
    const agent = await adminAgent(staff);

    const res = await submit(agent, '/admin/mail/', `/admin/mail/${sent.id}/retry`);
    expect(res.headers.location).toBe('/admin/mail/?notice=not_failed');
    expect((await db().mail.findUniqueOrThrow({ where: { id: sent.id } })).status).toBe('sent');
    expect(await db().adminLogEntry.count({ where: { objectType: 'mail' } })).toBe(0);
    await submit(agent, '/admin/mail/', '/admin/mail/999999/retry').then((r) => expect(r.status).toBe(404));
  });
});
