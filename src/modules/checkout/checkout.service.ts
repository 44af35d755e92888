// Turns a cart, or a list of lines, into an order inside one transaction:
// lock the products in id order, check and decrement stock with a conditional
// UPDATE, write the order with name and price snapshots and a server-computed
// total, and (at checkout) empty the cart. Any failure rolls all of it back.
// A customer holding MAX_PENDING_ORDERS_PER_USER unpaid orders is refused.
import { db, type Db } from '../../lib/db';
import { config } from '../../config';
import { InsufficientStockError, PendingOrderLimitError, ValidationError } from '../../lib/errors';
import { MAX_AMOUNT, Money } from '../../lib/money';
import { lockCart } from '../cart/cart.service';
import type { CreateOrderInput } from '../orders/orders.schemas';
import { toOrder, type OrderView } from '../orders/orders.service';
import type { AuthUser } from '../users/users.service';
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

/** Who is ordering: staff are not held to the pending-order cap. */
export type Buyer = Pick<AuthUser, 'id' | 'isStaff'>;

export function checkout(buyer: Buyer, idempotencyKey?: string): Promise<PlacedOrder> {
  return orderTransaction(buyer, idempotencyKey, fingerprint('checkout', null), (tx) => placeOrder(tx, buyer.id, { kind: 'cart' }));
}

export function createOrder(buyer: Buyer, input: CreateOrderInput, idempotencyKey?: string): Promise<PlacedOrder> {
  const lines = input.items.map((item) => ({ productId: item.product_id, quantity: item.quantity }));
  return orderTransaction(buyer, idempotencyKey, fingerprint('create', input), (tx) => placeOrder(tx, buyer.id, { kind: 'lines', lines }));
}

function orderTransaction(
  buyer: Buyer,
  key: string | undefined,
  requestFingerprint: string,
  work: (tx: Db) => Promise<OrderView>,
): Promise<PlacedOrder> {
  return db().$transaction(async (tx) => {
    const claim: IdempotencyClaim | undefined = key ? { userId: buyer.id, key, fingerprint: requestFingerprint } : undefined;
    if (claim) {
      // A replay answers the order it already placed, whatever the cap says now.
      const stored = await recall(tx, claim);
      if (stored) return { status: stored.status, order: stored.body as OrderView, replayed: true };
    }
    // The user's row lock first, then the products' in id order: it is the
    // cart lock (checkout reads the cart as the last writer left it: the
    // placement statement's snapshot comes after this one), and it makes one
    // user's orders queue, so two at once cannot both slip under the cap.
    await lockCart(tx, buyer.id);
    await checkPendingOrderLimit(tx, buyer);
    const order = await work(tx);
    if (claim) await remember(tx, claim, CREATED, order);
    return { status: CREATED, order, replayed: false };
  }, TRANSACTION_OPTIONS);
}

/**
 * Pending orders hold stock until paid or expired; bounding them per account
 * keeps one account from holding all of a product. Counted in a statement of
 * its own after the user lock, so it sees every order committed before it.
 */
async function checkPendingOrderLimit(tx: Db, buyer: Buyer): Promise<void> {
  if (buyer.isStaff) return;
  const limit = config.orders.maxPendingPerUser;
  const pending = await tx.order.count({ where: { userId: buyer.id, status: 'pending' } });
  if (pending >= limit) throw new PendingOrderLimitError(limit);
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
