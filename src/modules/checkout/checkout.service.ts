// Turns a cart, or a list of lines, into an order inside one transaction:
// lock the products in id order, check and decrement stock with a conditional
// UPDATE, write the order with name and price snapshots and a server-computed
// total, and (at checkout) empty the cart. Any failure rolls all of it back.
import { db, type Db } from '../../lib/db';
import { InsufficientStockError, ValidationError } from '../../lib/errors';
import { MAX_AMOUNT, Money } from '../../lib/money';
import { lockCart } from '../cart/cart.service';
import type { CreateOrderInput } from '../orders/orders.schemas';
import { toOrder, type OrderView } from '../orders/orders.service';
import { placeOrderStatement, type LineSource, type LockedLine } from './checkout.queries';
import { fingerprint, recall, remember, type IdempotencyClaim } from './idempotency';

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
    // The cart lock is its own statement: the placement statement's snapshot
    // is taken after it, so it reads the cart as the last writer left it.
    await lockCart(tx, userId);
    return placeOrder(tx, userId, { kind: 'cart' });
  });
}

export function createOrder(userId: number, input: CreateOrderInput, idempotencyKey?: string): Promise<PlacedOrder> {
  const lines = input.items.map((item) => ({ productId: item.product_id, quantity: item.quantity }));
  return orderTransaction(userId, idempotencyKey, fingerprint('create', input), (tx) => placeOrder(tx, userId, { kind: 'lines', lines }));
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

/** One statement does the work (see checkout.queries.ts); here its answer becomes the order or the errors. */
async function placeOrder(tx: Db, userId: number, source: LineSource): Promise<OrderView> {
  const { lines, decremented, order } = await placeOrderStatement(tx, userId, source);
  if (lines.length === 0) throw new ValidationError('Your cart is empty.', { non_field_errors: ['Your cart is empty.'] });
  if (!order) {
    checkAvailability(lines);
    throw new Error('the placement statement refused lines that pass every check');
  }
  // Unreachable while the rows are locked; kept as the last guard against
  // overselling: throwing here rolls the transaction back.
  if (decremented !== lines.length) throw new Error('stock changed under a row lock');
  return toOrder(order);
}

/** Every problem at once: missing products (400), short ones (409), a total too large (400). */
function checkAvailability(lines: LockedLine[]): void {
  const missing = lines.filter((l) => !l.product);
  if (missing.length) {
    const messages = missing.map((l) => `Product ${l.productId} does not exist.`);
    throw new ValidationError(messages.join(' '), { items: messages });
  }
  const shortages = lines
    .filter(({ quantity, product }) => product!.stock < quantity)
    .map(({ productId, quantity, product }) => ({ product_id: productId, name: product!.name, requested: quantity, available: product!.stock }));
  if (shortages.length) throw new InsufficientStockError(shortages);

  const total = lines.reduce((sum, l) => sum.add(l.product!.price.mul(l.quantity)), new Money(0));
  if (total.gt(MAX_AMOUNT)) throw ValidationError.field('items', `The order total may not exceed ${MAX_AMOUNT.toFixed(2)}.`);
}
