import { z } from 'zod';
import { problemSchema } from '../../http/problem';

export const paymentSchema = z
  .strictObject({
    order_id: z.number().int(),
    provider: z.literal('stripe'),
    payment_intent_id: z.string(),
    client_secret: z.string().meta({ description: 'For Stripe.js (the Payment Element) to confirm the payment in the browser' }),
    amount: z.string().meta({ description: 'The order\'s total, a decimal string like every amount in this API', example: '59.97' }),
    currency: z.string().meta({ description: 'SHOP_CURRENCY, ISO 4217 in lower case', example: 'usd' }),
    status: z
      .string()
      .meta({ description: 'The PaymentIntent\'s status as last seen (requires_payment_method, requires_action, processing, succeeded, canceled), or refunded' }),
  })
  .meta({ id: 'Payment' });

export const orderNotPendingProblem = problemSchema
  .extend({ code: z.literal('order_not_pending'), order_status: z.string() })
  .meta({ id: 'OrderNotPendingProblem', description: 'Only a pending order can be paid' });

/** What Stripe posts: an Event. Only what the server reads is described; the rest is Stripe's. */
export const stripeEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }),
  })
  .catchall(z.unknown())
  .meta({ id: 'StripeEvent', example: { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1', object: 'payment_intent' } } } });

export const stripeSignatureHeaders = z.object({
  'stripe-signature': z.string().max(2000).optional().meta({ description: 'Stripe\'s HMAC-SHA256 signature over the raw body' }),
});

export const webhookReceived = z.strictObject({ received: z.literal(true) }).meta({ id: 'WebhookReceived' });
