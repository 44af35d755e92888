import type { Api } from '../../http/api';
import { idParams } from '../../http/params';
import { problemSchema } from '../../http/problem';
import { orderNotPendingProblem, paymentSchema, stripeEventSchema, stripeSignatureHeaders, webhookReceived } from './payments.schemas';
import { getPayment, startPayment } from './payments.service';
import { receiveStripeEvent } from './payments.webhook';
import type { StripeGateway } from './stripe-gateway';

const tag = 'payments';
const unavailable = {
  description: 'Payments are not configured (`payments_not_configured`), Stripe is unavailable (`payment_provider_unavailable`), or the database is; retry after Retry-After',
  schema: problemSchema,
};

export function registerPaymentRoutes(api: Api, gateway: StripeGateway): void {
  api.route(
    {
      method: 'post', path: '/api/orders/{id}/payment/', tag, auth: 'user', params: idParams,
      operationId: 'orders_payment_create', summary: 'Start paying my order with Stripe',
      description: 'Creates the order\'s one Stripe PaymentIntent for its total; the browser confirms it with `client_secret`. Asked again, answers the same PaymentIntent with 200.',
      responses: {
        201: { description: 'The payment, just started', schema: paymentSchema },
        200: { description: 'The payment already started for this order', schema: paymentSchema },
        409: { description: 'The order is not pending', schema: orderNotPendingProblem },
        503: unavailable,
      },
    },
    async ({ user, params }) => {
      const { created, payment } = await startPayment(user, params.id, gateway);
      return { status: created ? 201 : 200, body: payment };
    },
  );

  api.route(
    {
      method: 'get', path: '/api/orders/{id}/payment/', tag, auth: 'user', params: idParams,
      operationId: 'orders_payment_retrieve', summary: 'The payment of an order, as last recorded',
      responses: { 200: { description: 'The payment', schema: paymentSchema }, 404: { description: 'No such order, or no payment started' }, 503: unavailable },
    },
    async ({ user, params }) => ({ status: 200, body: await getPayment(user, params.id, gateway) }),
  );

  api.route(
    {
      method: 'post', path: '/api/payments/stripe/webhook/', tag, operationId: 'payments_stripe_webhook',
      summary: 'Stripe\'s events (signed; no JWT)',
      description: 'Register this URL in Stripe for payment_intent.succeeded, .processing, .requires_action, .payment_failed, .canceled and charge.refunded.',
      rawBody: { schema: stripeEventSchema, limit: '256kb' }, headers: stripeSignatureHeaders,
      responses: {
        200: { description: 'Received (also for a redelivery, and for events the shop does not use)', schema: webhookReceived },
        400: { description: 'The signature is missing or wrong: nothing changed' },
        503: unavailable,
      },
    },
    async ({ req, headers }) => {
      const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      await receiveStripeEvent(payload, headers['stripe-signature'], gateway);
      return { status: 200, body: { received: true } };
    },
  );
}
