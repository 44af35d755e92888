// Each mail's Message-ID is made from its outbox row, so every delivery of
// one row carries the same one (a receiver can drop a repeat) and two rows
// never share one.
import { config } from '../../src/config';
import { messageId } from '../../src/modules/mail/mail.compose';
import { api, buildProduct, signedIn } from '../support/api';
import { placeOrder } from '../support/shop';
import { deliverTo, makeDue, outbox, queueMails, withSmtp } from './mail-support';

const mail = withSmtp();

const fromRow = (row: { id: number; createdAt: Date }) => messageId({ id: row.id, created_at: row.createdAt }, config.mail.from);

describe('the Message-ID', () => {
  it('of a delivered mail is the one made from its row: its id and creation time, at the sender\'s domain', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct();
    await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);

    await deliverTo(mail.smtp);

    const [row] = await outbox();
    expect(mail.smtp.received.map((m) => m.messageId)).toEqual([fromRow(row!)]);
    expect(fromRow(row!)).toBe(`<mail-${row!.id}.${row!.createdAt.getTime().toString(36)}@shop.local>`);
  });

  it('is the same on the retry of a refused mail as on its first try', async () => {
    const [id] = await queueMails(1);
    mail.smtp.refuseNext(1, 451);
    await deliverTo(mail.smtp);
    await makeDue();
    await deliverTo(mail.smtp);

    const [row] = await outbox();
    expect(row).toMatchObject({ id, status: 'sent', attempts: 2 });
    expect(mail.smtp.refused.map((m) => m.messageId)).toEqual([fromRow(row!)]);
    expect(mail.smtp.received.map((m) => m.messageId)).toEqual([fromRow(row!)]);
  });

  it('differs between two mails about one order', async () => {
    const customer = await signedIn();
    const staff = await signedIn({ isStaff: true });
    const product = await buildProduct();
    const order = await placeOrder(customer.auth, [{ product_id: product.id, quantity: 1 }]);
    await api().patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);

    await deliverTo(mail.smtp);

    const ids = mail.smtp.received.map((m) => m.messageId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(ids.sort()).toEqual((await outbox()).map(fromRow).sort());
  });
});
