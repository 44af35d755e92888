// The app wired to a Stripe double, and the small steps of a payment as a
// customer's browser and Stripe would take them.
import request from 'supertest';
import { createApp } from '../../src/app';
import { config, type Config } from '../../src/config';
import { contractChecked } from './contract';
import type { StripeDouble } from './stripe-double';

export function paymentsApp(stripe: StripeDouble, payments: Partial<Config['payments']> = {}) {
  return contractChecked(
    createApp({
      config: {
        ...config,
        payments: {
          ...config.payments,
          stripeSecretKey: 'sk_test_double',
          stripeWebhookSecret: stripe.webhookSecret,
          stripeApiUrl: stripe.url,
          stripeTimeoutMs: 2_000,
          ...payments,
        },
      },
    }),
  );
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
