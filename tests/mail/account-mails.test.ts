// A password change is mailed to the account's address, so its owner learns
// of a change they did not make; a refused change mails nothing.
import { api, signedIn } from '../support/api';
import { deliverTo, onlyMail, outbox, visibleText, withSmtp } from './mail-support';

const mail = withSmtp();

describe('the password changed mail', () => {
  it('goes to the account\'s address when its owner changes the password, saying how and that devices were logged out', async () => {
    const { user, auth } = await signedIn();
    await api().patch('/api/users/me/').set(auth).send({ current_password: user.password, password: 'a-brand-new-passphrase-42' }).expect(200);

    await deliverTo(mail.smtp);

    const changed = onlyMail(mail.smtp.received, 'Your password was changed');
    expect(changed.to).toEqual([user.email]);
    expect(changed.subject).toBe('Your password was changed | Shop');
    expect(changed.text).toContain(`Hello ${user.username},`);
    expect(changed.text).toContain('the password of your account was changed (from your account settings), and every device that was logged in has been logged out.');
    expect(visibleText(changed.html)).toContain('the password of your account was changed (from your account settings)');
    expect(changed.text).toContain('If this was not you, reset your password at once');
  });

  it('is not written when the change is refused (wrong current password), nor for an email change alone', async () => {
    const { user, auth } = await signedIn();
    await api().patch('/api/users/me/').set(auth).send({ current_password: 'not-the-password', password: 'a-brand-new-passphrase-42' }).expect(400);
    await api().patch('/api/users/me/').set(auth).send({ email: `new-${user.email}` }).expect(200);

    await deliverTo(mail.smtp);

    expect(await outbox()).toEqual([]);
    expect(mail.smtp.received).toEqual([]);
  });
});
