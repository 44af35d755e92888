// Turns a cart, or a list of lines, into an order inside one transaction:
// lock the products in id order, check and decrement stock with a conditional
// UPDATE, write the order with name and price snapshots and a server-computed
// total, and (at checkout) empty the cart. Any failure rolls all of it back.
import { db, type Db } from '../../lib/db';
import { InsufficientStockError, ValidationError } from '../../lib/errors';
import { MAX_AMOUNT, Money } from '../../lib/money';
import { lockCart } from '../cart/cart.service';
import type { CreateOrderInput } from '../orders/orders.schemas';
import { toOrder, withItems, type OrderView } from '../orders/orders.service';
import { fingerprint, recall, remember, type IdempotencyClaim } from './idempotency';

interface Line {
  productId: number;
  quantity: number;
}

export interface PlacedOrder {
  /** 201 for a new order; a replay answers whatever the first attempt answered. */
  status: number;
  order: OrderView;
  /** True when an Idempotency-Key retry got the first attempt's answer. */
  replayed: boolean;
}

const CREATED = 201;

// Checkouts queue on hot products' row locks; give them room before failing.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

export function checkout(userId: number, idempotencyKey?: string): Promise<PlacedOrder> {
  return orderTransaction(userId, idempotencyKey, fingerprint('checkout', null), async (tx) => {
    await lockCart(tx, userId);
    const lines = await tx.cartItem.findMany({ where: { userId }, select: { productId: true, quantity: true }, orderBy: { productId: 'asc' } });
    if (lines.length === 0) throw new ValidationError('Your cart is empty.', { non_field_errors: ['Your cart is empty.'] });
    const order = await placeOrder(tx, userId, lines);
    await tx.cartItem.deleteMany({ where: { userId } });
    return order;
  });
}

export function createOrder(userId: number, input: CreateOrderInput, idempotencyKey?: string): Promise<PlacedOrder> {
  const lines = input.items.map((item) => ({ productId: item.product_id, quantity: item.quantity }));
  return orderTransaction(userId, idempotencyKey, fingerprint('create', input), (tx) => placeOrder(tx, userId, lines));
}

function orderTransaction(
  userId: number,
  key: string | undefined,
  requestFingerprint: string,
  work: (tx: Db) => Promise<OrderView>,
): Promise<PlacedOrder> {
  return db().$transaction(async (tx) => {
    const claim: IdempotencyClaim | undefined = key ? { userId, key, fingerprint: requestFingerprint } : undefined;
    if (claim) {
      const stored = await recall(tx, claim);
      if (stored) return { status: stored.status, order: stored.body as OrderView, replayed: true };
    }
    const order = await work(tx);
    if (claim) await remember(tx, claim, CREATED, order);
    return { status: CREATED, order, replayed: false };
  }, TRANSACTION_OPTIONS);
}

interface LockedProduct {
  id: number;
  name: string;
  price: Money;
  stock: number;
}

/** The four steps of an order, each its own function; all run on the caller's transaction. */
async function placeOrder(tx: Db, userId: number, lines: Line[]): Promise<OrderView> {
  const products = await lockProducts(tx, lines);
  const total = checkAvailability(lines, products);
  await decrementStock(tx, lines);
  const order = await tx.order.create({
    data: {
      userId,
      total,
      items: {
        create: lines.map(({ productId, quantity }) => {
          const product = products.get(productId)!;
          return { productId, productName: product.name, unitPrice: product.price, quantity };
        }),
      },
    },
    ...withItems,
  });
  return toOrder(order);
}

// Row locks taken in id order: concurrent orders over the same products queue
// instead of deadlocking.
async function lockProducts(tx: Db, lines: Line[]): Promise<Map<number, LockedProduct>> {
  const ids = lines.map((l) => l.productId);
  const locked = await tx.$queryRaw<LockedProduct[]>`
    SELECT id, name, price, stock FROM products WHERE id = ANY(${ids}::int[]) ORDER BY id FOR UPDATE`;
  return new Map(locked.map((p) => [p.id, p]));
}

/** Every problem at once: missing products (400), short ones (409), a total too large (400). Returns the total. */
function checkAvailability(lines: Line[], products: Map<number, LockedProduct>): Money {
  const missing = lines.filter((l) => !products.has(l.productId));
  if (missing.length) {
    const messages = missing.map((l) => `Product ${l.productId} does not exist.`);
    throw new ValidationError(messages.join(' '), { items: messages });
  }
  const shortages = lines
    .map((line) => ({ line, product: products.get(line.productId)! }))
    .filter(({ line, product }) => product.stock < line.quantity)
    .map(({ line, product }) => ({ product_id: product.id, name: product.name, requested: line.quantity, available: product.stock }));
  if (shortages.length) throw new InsufficientStockError(shortages);

  const total = lines.reduce((sum, l) => sum.add(products.get(l.productId)!.price.mul(l.quantity)), new Money(0));
  if (total.gt(MAX_AMOUNT)) throw ValidationError.field('items', `The order total may not exceed ${MAX_AMOUNT.toFixed(2)}.`);
  return total;
}

/** One conditional UPDATE for all lines; the rows are locked, so every line must match. */
async function decrementStock(tx: Db, lines: Line[]): Promise<void> {
  const decremented = await tx.$executeRaw`
    UPDATE products p SET stock = p.stock - v.qty, updated_at = now()
    FROM unnest(${lines.map((l) => l.productId)}::int[], ${lines.map((l) => l.quantity)}::int[]) AS v(id, qty)
    WHERE p.id = v.id AND p.stock >= v.qty`;
  // Unreachable while the rows are locked; kept as the last guard against overselling.
  if (decremented !== lines.length) throw new Error('stock changed under a row lock');
}
