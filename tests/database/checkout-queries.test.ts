// Every raw SQL statement of checkout runs here against the migrated schema,
// in each of its shapes, and its rows are checked through the one mapping
// function: a renamed column or a changed type fails this suite, not a
// customer's checkout.
import { db } from '../../src/lib/db';
import { placeOrderStatement } from '../../src/modules/checkout/checkout.queries';
import { buildProduct, buildUser } from '../support/api';
import { buildCartLine } from '../support/shop';

describe('placeOrderStatement against the real schema', () => {
  it('places given lines: decrements, writes the order and its lines in the order given, and maps every column', async () => {
    const user = await buildUser();
    const lamp = await buildProduct({ name: 'Lamp', price: '19.99', stock: 5 });
    const mug = await buildProduct({ name: 'Mug', price: '0.10', stock: 10 });

    const placement = await placeOrderStatement(db(), user.id, {
      kind: 'lines',
      lines: [{ productId: mug.id, quantity: 3 }, { productId: lamp.id, quantity: 2 }],
    });

    expect(placement.decremented).toBe(2);
    expect(placement.lines.map((l) => [l.productId, l.quantity, l.product?.name, l.product?.price.toFixed(2), l.product?.stock])).toEqual([
      [mug.id, 3, 'Mug', '0.10', 10],
      [lamp.id, 2, 'Lamp', '19.99', 5],
    ]);
    const order = placement.order!;
    expect(order).toMatchObject({ userId: user.id, status: 'pending' });
    expect(order.total.toFixed(2)).toBe('40.28');
    expect(order.createdAt).toBeInstanceOf(Date);
    expect(order.updatedAt).toBeInstanceOf(Date);
    expect(order.items.map((i) => [i.productId, i.productName, i.unitPrice.toFixed(2), i.quantity])).toEqual([
      [mug.id, 'Mug', '0.10', 3],
      [lamp.id, 'Lamp', '19.99', 2],
    ]);
    const stored = await db().order.findUniqueOrThrow({ where: { id: order.id }, include: { items: { orderBy: { id: 'asc' } } } });
    expect(stored).toEqual(order);
    expect((await db().product.findUniqueOrThrow({ where: { id: lamp.id } })).stock).toBe(3);
  });

  it('writes the shipping address given as JSONB and maps it back with the order', async () => {
    const user = await buildUser();
    const product = await buildProduct({ stock: 5 });
    const address = { full_name: 'Erika Mustermann', line1: 'Heidestraße 17', line2: '', city: 'Köln', region: '', postal_code: '51147', country: 'DE', phone: '' };

    const placement = await placeOrderStatement(db(), user.id, { kind: 'lines', lines: [{ productId: product.id, quantity: 1 }] }, address);

    expect(placement.order!.shippingAddress).toEqual(address);
    const stored = await db().order.findUniqueOrThrow({ where: { id: placement.order!.id }, include: { items: { orderBy: { id: 'asc' } } } });
    expect(stored).toEqual(placement.order);
  });

  it('places the cart and empties it', async () => {
    const user = await buildUser();
    const product = await buildProduct({ price: '2.50', stock: 4 });
    await buildCartLine(user.id, product.id, 4);

    const placement = await placeOrderStatement(db(), user.id, { kind: 'cart' });

    expect(placement.order?.items).toHaveLength(1);
    expect(placement.order?.total.toFixed(2)).toBe('10.00');
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(0);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(0);
  });

  it('writes nothing when a line cannot be served, and reports every line as locked', async () => {
    const user = await buildUser();
    const scarce = await buildProduct({ name: 'Scarce', stock: 1 });
    await buildCartLine(user.id, scarce.id, 2);

    const fromCart = await placeOrderStatement(db(), user.id, { kind: 'cart' });
    const fromLines = await placeOrderStatement(db(), user.id, {
      kind: 'lines',
      lines: [{ productId: scarce.id, quantity: 1 }, { productId: 999_999, quantity: 1 }],
    });

    expect(fromCart).toMatchObject({ decremented: 0, order: null, lines: [{ productId: scarce.id, quantity: 2, product: { name: 'Scarce', stock: 1 } }] });
    expect(fromLines).toMatchObject({ decremented: 0, order: null, lines: [{ productId: scarce.id, product: { stock: 1 } }, { productId: 999_999, product: null }] });
    expect(await db().cartItem.count({ where: { userId: user.id } })).toBe(1);
    expect((await db().product.findUniqueOrThrow({ where: { id: scarce.id } })).stock).toBe(1);
    expect(await db().order.count()).toBe(0);
  });

  it('answers no lines for an empty cart', async () => {
    const user = await buildUser();
    expect(await placeOrderStatement(db(), user.id, { kind: 'cart' })).toEqual({ lines: [], decremented: 0, order: null });
  });
});
