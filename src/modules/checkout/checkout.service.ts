// Turns a cart, or a list of lines, into an order inside one transaction:
// lock the products in id order, check and decrement stock with a conditional
// UPDATE, write the order with name and price snapshots and a server-computed
// total, and (at checkout) empty the cart. Any failure rolls all of it back.
// The order keeps a copy of where it ships: the address given, or the address
// book entry named, read in the same transaction.
// A customer holding MAX_PENDING_ORDERS_PER_USER unpaid orders, or whose
// pending orders would hold more than MAX_PENDING_UNITS_PER_PRODUCT units of a
// product, is refused; each attempt spends one of their order actions.
import { db, type Db } from '../../lib/db';
import { queueOrderMails } from '../mail/mail.outbox';
import { InsufficientStockError, PendingOrderLimitError, PendingUnitLimitError, ThrottledError, ValidationError } from '../../lib/errors';
import { ordersPlaced } from '../../lib/metrics';
import { MAX_AMOUNT, Money } from '../../lib/money';
import type { ShippingAddress } from '../addresses/addresses.schemas';
import { addressSnapshot } from '../addresses/addresses.service';
import { lockCart } from '../cart/cart.service';
import { refundOrderAction, spendOrderAction, type OrderActor, type OrderLimits } from '../orders/order-limits';
import type { CheckoutInput, CreateOrderInput } from '../orders/orders.schemas';
import { toOrder, type OrderView } from '../orders/orders.service';
import { pendingHoldingsStatement, placeOrderStatement, type LineSource, type LockedLine } from './checkout.queries';
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

/** Who is ordering: staff are not held to the pending caps nor to the action budget. */
export type Buyer = OrderActor;

export async function checkout(limits: OrderLimits, buyer: Buyer, input: CheckoutInput = {}, idempotencyKey?: string): Promise<PlacedOrder> {
  const shipping = shippingOf(limits, input);
  // Without an address the fingerprint is the one checkout always had, so a
  // key first used before addresses existed still replays.
  const print = fingerprint('checkout', shipping.shipping_address === undefined && shipping.address_id === undefined ? null : shipping);
  return placeWithinBudget({ limits, buyer, key: idempotencyKey, fingerprint: print, source: { kind: 'cart' }, shipping });
}

export async function createOrder(limits: OrderLimits, buyer: Buyer, input: CreateOrderInput, idempotencyKey?: string): Promise<PlacedOrder> {
  const lines = input.items.map((item) => ({ productId: item.product_id, quantity: item.quantity }));
  // The fingerprint covers the whole parsed body, the address included: the
  // same key with another address is a different request (422).
  const shipping = shippingOf(limits, input);
  return placeWithinBudget({ limits, buyer, key: idempotencyKey, fingerprint: fingerprint('create', input), source: { kind: 'lines', lines }, shipping });
}

/** Where the order ships, as the request says: an address, an address book id, or neither. */
type ShippingChoice = Pick<CheckoutInput, 'shipping_address' | 'address_id'>;

/** The request's choice; with REQUIRE_SHIPPING_ADDRESS, none is invalid input, refused before anything is spent or locked. */
function shippingOf(limits: OrderLimits, { shipping_address, address_id }: ShippingChoice): ShippingChoice {
  if (limits.requireShippingAddress && shipping_address === undefined && address_id === undefined) {
    const message = 'A shipping address is required: send shipping_address, or address_id from your address book.';
    throw ValidationError.field('shipping_address', message);
  }
  return { shipping_address, address_id };
}

/** The copy the order keeps: read on the order's transaction, so an entry deleted meanwhile is a 400, not half an order. */
async function shippingAddressFor(tx: Db, userId: number, { shipping_address, address_id }: ShippingChoice): Promise<ShippingAddress | null> {
  if (shipping_address) return shipping_address;
  return address_id === undefined ? null : addressSnapshot(tx, userId, address_id);
}

interface OrderRequest {
  limits: OrderLimits;
  buyer: Buyer;
  key: string | undefined;
  fingerprint: string;
  source: LineSource;
  shipping: ShippingChoice;
}

/**
 * Each attempt to place an order spends one of the account's order actions,
 * before the transaction (no call to Redis while it is open). A replay of an
 * Idempotency-Key places nothing, so it spends nothing: its action is given
 * back, and with the budget spent a keyed request is still answered when it is
 * a replay (only then: anything else gets the 429).
 */
async function placeWithinBudget(request: OrderRequest): Promise<PlacedOrder> {
  const { actions } = request.limits;
  try {
    await spendOrderAction(actions, request.buyer);
  } catch (error) {
    if (error instanceof ThrottledError && request.key) return orderTransaction(request, error);
    throw error;
  }
  const placed = await orderTransaction(request);
  if (placed.replayed) await refundOrderAction(actions, request.buyer);
  else ordersPlaced.inc({ source: request.source.kind });
  return placed;
}

/** With `refusal`, only a replay is answered: a request that would place an order throws it instead. */
function orderTransaction(request: OrderRequest, refusal?: Error): Promise<PlacedOrder> {
  const { limits, buyer, key, source, shipping } = request;
  return db().$transaction(async (tx) => {
    const claim: IdempotencyClaim | undefined = key ? { userId: buyer.id, key, fingerprint: request.fingerprint } : undefined;
    if (claim) {
      // A replay answers the order it already placed, whatever the caps say now.
      const stored = await recall(tx, claim);
      if (stored) return { status: stored.status, order: stored.body as OrderView, replayed: true };
    }
    if (refusal) throw refusal;
    // The user's row lock first, then the products' in id order: it is the
    // cart lock (checkout reads the cart as the last writer left it: the
    // placement statement's snapshot comes after this one), and it makes one
    // user's orders queue, so two at once cannot both slip under the caps.
    await lockCart(tx, buyer.id);
    const shippingAddress = await shippingAddressFor(tx, buyer.id, shipping);
    await checkPendingLimits(tx, limits, buyer, source);
    const order = await placeOrder(tx, buyer.id, source, shippingAddress);
    await queueOrderMails(tx, 'order_placed', [order.id]);
    if (claim) await remember(tx, claim, CREATED, order);
    return { status: CREATED, order, replayed: false };
  }, TRANSACTION_OPTIONS);
}

/**
 * Pending orders hold stock until paid or expired; bounding them per account,
 * in number and in units of each product, keeps one account from holding all
 * of a product. Counted in one statement after the user lock, so it sees every
 * order committed before it. Lines of missing products are left to placement.
 */
async function checkPendingLimits(tx: Db, limits: OrderLimits, buyer: Buyer, source: LineSource): Promise<void> {
  if (buyer.isStaff) return;
  const { maxPendingOrders, maxPendingUnitsPerProduct: unitLimit } = limits;
  const { pendingOrders, lines } = await pendingHoldingsStatement(tx, buyer.id, source);
  if (pendingOrders >= maxPendingOrders) throw new PendingOrderLimitError(maxPendingOrders);
  if (unitLimit === 0) return;
  const excess = lines
    .filter(({ held, requested }) => held + requested > unitLimit)
    .map(({ productId, name, requested, held }) => ({ product_id: productId, name, requested, held, allowed: Math.max(0, unitLimit - held) }));
  if (excess.length) throw new PendingUnitLimitError(unitLimit, excess);
}

/** One statement does the work (see checkout.queries.ts); here its answer becomes the order or the errors. */
async function placeOrder(tx: Db, userId: number, source: LineSource, shippingAddress: ShippingAddress | null): Promise<OrderView> {
  const { lines, decremented, order } = await placeOrderStatement(tx, userId, source, shippingAddress);
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
