// What keeps one account from holding a product's stock unpaid, as an app's
// config sets it: at most so many pending orders, at most so many units of one
// product in them, and a budget of order actions (placing and cancelling)
// per minute. The caps bound what an account holds at once; the budget bounds
// how fast it can cancel and re-order, which would otherwise keep the stock
// from ever expiring back and grow the order history without end. Every
// attempt spends an action, refused ones too: each takes the same locks.
// Staff are exempt from all three.
import type { Config } from '../../config';
import { orderActionThrottle, type Throttle } from '../../lib/throttle';
import type { AuthUser } from '../users/users.service';

export interface OrderLimits {
  maxPendingOrders: number;
  /** 0: no limit. */
  maxPendingUnitsPerProduct: number;
  /** ORDER_ACTIONS_PER_MINUTE per user id (points 0: off); none: not limited. */
  actions?: Throttle;
  /**
   * REQUIRE_SHIPPING_ADDRESS: not a cap like the others, but it reaches the
   * order services the same way: an order without an address is refused (400).
   */
  requireShippingAddress: boolean;
}

/** One per app: the action budget counts in this app's memory unless Redis is configured. */
export function orderLimits(config: Pick<Config, 'auth' | 'orders' | 'redisUrl'>): OrderLimits {
  return {
    maxPendingOrders: config.orders.maxPendingPerUser,
    maxPendingUnitsPerProduct: config.orders.maxPendingUnitsPerProduct,
    actions: orderActionThrottle(config),
    requireShippingAddress: config.orders.requireShippingAddress,
  };
}

/** Who acts on an order: staff have no budget. */
export type OrderActor = Pick<AuthUser, 'id' | 'isStaff'>;

/** Spends one of the account's order actions, or throws ThrottledError (429) when none is left. */
export async function spendOrderAction(actions: Throttle | undefined, user: OrderActor): Promise<void> {
  if (actions && !user.isStaff) await actions.spend(String(user.id));
}

/** Gives back an action that did nothing new (an Idempotency-Key replay). */
export async function refundOrderAction(actions: Throttle | undefined, user: OrderActor): Promise<void> {
  if (actions && !user.isStaff) await actions.refund(String(user.id));
}
