import { z } from 'zod';
import type { Api, Reply } from '../../http/api';
import { illegalStatusChangeProblem, insufficientStockProblem, pendingOrderLimitProblem, problemSchema } from '../../http/problem';
import { pageQuery, pageRequest, paginate } from '../../http/pagination';
import { idParams } from '../../http/params';
import { checkout, createOrder, type PlacedOrder } from '../checkout/checkout.service';
import type { OrderLimits } from './order-limits';
import { checkoutBody, createOrderBody, idempotencyHeaders, orderListQuery, orderPage, orderSchema, pendingUnitLimitProblem, updateOrderBody } from './orders.schemas';
import * as orders from './orders.service';
import { apiActor } from '../audit/audit.service';
import type { AuthUser } from '../users/users.service';
import type { StripeGateway } from '../payments/stripe-gateway';

/** Changes by staff go to the change log; a customer's own cancel does not. */
const staffChange = (user: AuthUser) => (user.isStaff ? apiActor(user) : undefined);

const tag = 'orders';
const auth = 'user' as const;

const placedResponses = {
  201: { description: 'The order (the same one again for a retried Idempotency-Key)', schema: orderSchema },
  409: {
    description:
      'Not enough stock (each short product with what is available), too many pending orders (`pending_order_limit`, with the most allowed), '
      + 'too many units of a product in your pending orders (`pending_unit_limit`, with how many you may still order), or the same Idempotency-Key is still in progress',
    schema: z.union([insufficientStockProblem, pendingOrderLimitProblem, pendingUnitLimitProblem, problemSchema]),
  },
  429: {
    description:
      'This account placed and cancelled too many orders in the last minute (ORDER_ACTIONS_PER_MINUTE; staff are not limited). '
      + 'A retry of an order already placed (same Idempotency-Key) is still answered.',
  },
  503: { description: 'The database is busy; retry' },
  422: { description: 'The Idempotency-Key was used with a different request' },
};

const cancelThrottled = {
  description: 'This account placed and cancelled too many orders in the last minute (ORDER_ACTIONS_PER_MINUTE; staff are not limited); only a cancel spends one',
};

function placed({ status, order, replayed }: PlacedOrder): Reply {
  return { status, body: order, headers: replayed ? { 'Idempotent-Replayed': 'true' } : {} };
}

const statusConflict = {
  description: 'Not an allowed change (`allowed` lists the allowed ones), or a concurrent change won',
  schema: z.union([illegalStatusChangeProblem, problemSchema]),
};

const keyOf = (headers: { 'idempotency-key'?: string }) => headers['idempotency-key'];

export function registerOrderRoutes(api: Api, limits: OrderLimits, gateway?: StripeGateway): void {
  api.route(
    {
      method: 'get', path: '/api/orders/', tag, auth, summary: 'List orders',
      description: 'Your own orders, newest first. Staff see everyone\'s and may filter with `?user=`.',
      query: orderListQuery,
      responses: { 200: { description: 'A page of orders', schema: orderPage } },
    },
    async ({ req, user, query }) => ({ status: 200, body: paginate(req, query, await orders.listOrders(user, query, pageRequest(query))) }),
  );

  for (const path of ['/api/orders/', '/api/orders/create/']) {
    api.route(
      {
        method: 'post', path, tag, auth, summary: 'Order the given products',
        description: 'One transaction: stock checked and decremented, lines written with price snapshots. '
          + '`shipping_address` (or `address_id`, an entry of your address book) is copied onto the order.',
        body: createOrderBody, bodyLimit: '64kb', headers: idempotencyHeaders, responses: placedResponses,
      },
      async ({ user, body, headers }) => placed(await createOrder(limits, user, body, keyOf(headers))),
    );
  }

  api.route(
    {
      method: 'get', path: '/api/orders/my-orders/', tag, auth, summary: 'My past orders, newest first',
      query: pageQuery,
      responses: { 200: { description: 'A page of my orders', schema: orderPage } },
    },
    async ({ req, user, query }) => ({ status: 200, body: paginate(req, query, await orders.listOwnOrders(user.id, pageRequest(query))) }),
  );

  api.route(
    {
      method: 'post', path: '/api/orders/checkout/', tag, auth, summary: 'Turn my cart into an order',
      description: 'Empties the cart in the same transaction. An empty cart is a 400. '
        + 'The body is optional: `{}` or none orders without an address (a 400 when the server sets REQUIRE_SHIPPING_ADDRESS), '
        + '`{shipping_address}` or `{address_id}` says where the order ships.',
      body: checkoutBody, bodyOptional: true, headers: idempotencyHeaders, responses: placedResponses,
    },
    async ({ user, body, headers }) => placed(await checkout(limits, user, body, keyOf(headers))),
  );

  api.route(
    {
      method: 'get', path: '/api/orders/{id}/', tag, auth, summary: 'One order', params: idParams,
      responses: { 200: { description: 'The order', schema: orderSchema } },
    },
    async ({ user, params }) => ({ status: 200, body: await orders.getOrder(user, params.id) }),
  );

  for (const method of ['put', 'patch'] as const) {
    api.route(
      {
        method, path: '/api/orders/{id}/', tag, auth, summary: 'Change the status of an order',
        description: 'Owner: cancel a pending order. Staff: one step forward (pending, paid, shipped, delivered) or cancel before shipped. Cancelling returns the stock.',
        params: idParams, body: updateOrderBody,
        responses: { 200: { description: 'The order', schema: orderSchema }, 409: statusConflict, 429: cancelThrottled },
      },
      async ({ user, params, body }) => ({
        status: 200,
        body: await orders.changeOrderStatus(user, params.id, body.status, { actor: staffChange(user), actions: limits.actions, gateway }),
      }),
    );
  }

  api.route(
    {
      method: 'delete', path: '/api/orders/{id}/', tag, auth, summary: 'Cancel an order',
      description: 'Orders are history and are never erased: this cancels, under the same rules as PATCH.',
      params: idParams,
      responses: { 204: { description: 'Cancelled' }, 409: statusConflict, 429: cancelThrottled },
    },
    async ({ user, params }) => {
      await orders.changeOrderStatus(user, params.id, 'cancelled', { actor: staffChange(user), actions: limits.actions, gateway });
      return { status: 204 };
    },
  );
}
