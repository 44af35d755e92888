// The app wired to a Stripe double, and the small steps of a payment as a
// customer's browser and Stripe would take them.
import request from 'supertest';
import { createApp } from '../../src/app';
import { config, type Config } from '../../src/config';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { StripeGateway } from '../../src/modules/payments/stripe-gateway';
import { contractChecked } from './contract';
import { startStripeDouble, type StripeDouble } from './stripe-double';

/** The payment settings that point at `stripe`. */
export function paymentSettings(stripe: StripeDouble, overrides: Partial<Config['payments']> = {}): Config['payments'] {
  return { ...config.payments, stripeSecretKey: 'sk_test_double', stripeWebhookSecret: stripe.webhookSecret, stripeApiUrl: stripe.url, stripeTimeoutMs: 2_000, ...overrides };
}

export function paymentsApp(stripe: StripeDouble, payments: Partial<Config['payments']> = {}) {
  return contractChecked(createApp({ config: { ...config, payments: paymentSettings(stripe, payments) } }));
}

/** One run of the expiry sweep (every pending order older than a second), talking to `stripe`. */
export function sweepWith(stripe: StripeDouble, overrides: Partial<Config['payments']> = {}): Promise<number> {
  return expireUnpaidOrders({ ttlSeconds: 1, gateway: new StripeGateway(paymentSettings(stripe, overrides)) });
}

export type PaymentsApp = ReturnType<typeof paymentsApp>;

export const startPaying = (app: PaymentsApp, auth: Record<string, string>, orderId: number) =>
  request(app).post(`/api/orders/${orderId}/payment/`).set(auth);

/** Delivers a signed event the way Stripe posts it: the exact bytes, with the signature header. */
export function deliver(app: PaymentsApp, delivery: { body: string; signature?: string }) {
  const req = request(app).post('/api/payments/stripe/webhook/').set('Content-Type', 'application/json; charset=utf-8');
  if (delivery.signature !== undefined) req.set('Stripe-Signature', delivery.signature);
  return req.send(delivery.body);
}

/**
 * For a test file: one Stripe double for the file, forgotten before each test
 * (order ids restart in every test, and so would their idempotency keys), and
 * an app of each test's own wired to it.
 */
export function withStripeDouble(): { readonly stripe: StripeDouble; readonly app: PaymentsApp } {
  const context = {} as { stripe: StripeDouble; app: PaymentsApp };
  beforeAll(async () => {
    context.stripe = await startStripeDouble();
  });
  afterAll(() => context.stripe.stop());
  beforeEach(() => {
    context.stripe.reset();
    context.app = paymentsApp(context.stripe);
  });
  return context;
}
