// A mail exists exactly when the change it reports commits: an order that is
// refused, or that fails after its mail was written, mails nothing.
import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';
import { addToCart, stockOf } from '../support/shop';
import { deliverTo, outbox, withSmtp } from './mail-support';

const mail = withSmtp();

/**
 * Makes the database refuse the next statement of `table` until `drop()`:
 * the transaction that writes to it fails there, with its earlier statements
 * (the mail's INSERT among them) already run.
 */
async function refuseInsertsInto(table: 'idempotency_keys') {
  await db().$executeRawUnsafe(`CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
  await db().$executeRawUnsafe(`CREATE TRIGGER test_refuse_insert BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()`);
  return {
    drop: async () => {
      await db().$executeRawUnsafe(`DROP TRIGGER IF EXISTS test_refuse_insert ON "${table}"`);
      await db().$executeRawUnsafe('DROP FUNCTION IF EXISTS test_refuse_insert()');
    },
  };
}

describe('an order that does not commit', () => {
  it('mails nothing when checkout is refused for want of stock', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 1 });
    await addToCart(auth, product.id, 1).expect(201);
    await db().product.update({ where: { id: product.id }, data: { stock: 0 } });

    const res = await api().post('/api/orders/checkout/').set(auth).send({});

    expect(res.status).toBe(409);
    expect(await outbox()).toEqual([]);
    await deliverTo(mail.smtp);
    expect(mail.smtp.received).toEqual([]);
  });

  it('mails nothing when it fails after its mail was written (the Idempotency-Key record is refused): the mail rolls back with the order', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 3 });
    const order = { items: [{ product_id: product.id, quantity: 2 }] };
    const refusal = await refuseInsertsInto('idempotency_keys');
    try {
      const res = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'order-1').send(order);
      expect(res.status).toBe(500);
    } finally {
      await refusal.drop();
    }

    expect(await db().order.count()).toBe(0);
    expect(await stockOf(product.id)).toBe(3);
    expect(await outbox()).toEqual([]);
    await deliverTo(mail.smtp);
    expect(mail.smtp.received).toEqual([]);

    // The same request, now let through, places the order and mails it once.
    const placed = await api().post('/api/orders/').set(auth).set('Idempotency-Key', 'order-1').send(order).expect(201);
    await deliverTo(mail.smtp);
    expect(mail.smtp.received.map((m) => m.subject)).toEqual([`We received your order #${placed.body.id} | Shop`]);
  });
});
