// The link the reset mail carries, made when the mail is sent: only for the
// account as it was when the reset was asked for, and never from a row that
// could only carry a dead link.
import { db } from '../../src/lib/db';
import { resetLink, type ResetMailData } from '../../src/modules/password-reset/password-reset.link';
import { buildUser } from '../support/api';
import { askForReset, confirmReset, mailedLink, NEW_PASSWORD } from './reset-links';

const queuedReset = async (userId: number) => db().mail.findFirstOrThrow({ where: { template: 'password_reset', userId } });

describe('the link in a reset mail', () => {
  it('is a working link to the frontend\'s reset route', async () => {
    const user = await buildUser();
    await askForReset(user.email).expect(202);
    const row = await queuedReset(user.id);

    const rendered = await resetLink(db(), row.userId, row.toAddress, row.data as unknown as ResetMailData);

    expect(rendered?.link).toMatch(/\/reset-password\?uid=[\w-]+&token=[0-9a-z]+-[\w-]{43}$/);
    await confirmReset({ ...(await mailedLink(user.id)), new_password: NEW_PASSWORD }).expect(204);
  });

  it('is not made for a row whose issued_at is missing or not a whole number of seconds', async () => {
    const user = await buildUser();
    await askForReset(user.email).expect(202);
    const row = await queuedReset(user.id);
    const data = row.data as unknown as ResetMailData;

    for (const issuedAt of [undefined, 'yesterday', 1.5]) {
      expect(await resetLink(db(), row.userId, row.toAddress, { ...data, issued_at: issuedAt as unknown as number })).toBeUndefined();
    }
  });

  it('is not made once the account\'s email changed since the request', async () => {
    const user = await buildUser();
    await askForReset(user.email).expect(202);
    const row = await queuedReset(user.id);
    await db().user.update({ where: { id: user.id }, data: { email: `moved-${user.email}` } });

    expect(await resetLink(db(), row.userId, row.toAddress, row.data as unknown as ResetMailData)).toBeUndefined();
  });
});
