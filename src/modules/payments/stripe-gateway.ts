// The one door to Stripe: a client built from config (API version pinned,
// host and timeout from settings, no hidden retries so a request never waits
// past STRIPE_TIMEOUT_MS), the idempotency keys that make retries and several
// processes safe, and Stripe's failures turned into domain errors. Services
// call it outside any database transaction; routes never call it.
import Stripe from 'stripe';
import type { Config } from '../../config';
import { UnavailableError } from '../../lib/errors';
import { logger } from '../../lib/logger';

/** The API version this code was written against; Stripe answers in it whatever the account's default. */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** Stripe unreachable, slow past the timeout, or answering 5xx or 429: the same request may succeed later. */
export class PaymentProviderUnavailableError extends UnavailableError {
  override readonly code = 'payment_provider_unavailable';
  constructor() {
    super('The payment provider is unavailable; please retry shortly.');
  }
}

export class PaymentsNotConfiguredError extends UnavailableError {
  override readonly code = 'payments_not_configured';
  override readonly retryAfterSeconds = 3600;
  constructor() {
    super('Card payments are not configured on this server.');
  }
}

/** Stripe refused the request itself (a 4xx other than 429): retrying the same request will not help. */
export class PaymentRefusedError extends Error {
  constructor(readonly stripeCode: string | undefined, message: string, readonly raw?: unknown) {
    super(message);
  }
}

type StripeError = InstanceType<typeof Stripe.errors.StripeError>;

// ISO 4217 exponents other than 2, as Stripe counts them.
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** "19.99" in the currency's smallest unit (1999 cents), exactly: decimal strings, no floating point. */
export function toMinorUnits(amount: string, currency: string): number {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;
  const [whole, fraction = ''] = amount.split('.');
  return Number(`${whole}${fraction.padEnd(digits, '0').slice(0, digits)}`);
}

/** The Idempotency-Key of a refund: the order's, and the attempt's after a refusal (whose answer Stripe would replay). */
export const refundIdempotencyKey = (orderId: number, attempt = 0) => (attempt ? `order-${orderId}-refund-${attempt}` : `order-${orderId}-refund`);

export interface PaymentIntentView {
  id: string;
  status: string;
  amount: number;
  currency: string;
  clientSecret: string;
  orderId?: string;
}

const view = (intent: Stripe.PaymentIntent): PaymentIntentView => ({
  id: intent.id,
  status: intent.status,
  amount: intent.amount,
  currency: intent.currency,
  clientSecret: intent.client_secret ?? '',
  orderId: intent.metadata?.order_id,
});

export class StripeGateway {
  readonly #stripe?: Stripe;
  readonly #webhookSecret?: string;
  readonly currency: string;

  constructor(settings: Config['payments']) {
    this.currency = settings.currency;
    this.#webhookSecret = settings.stripeWebhookSecret;
    if (!settings.stripeSecretKey) return;
    const url = new URL(settings.stripeApiUrl);
    this.#stripe = new Stripe(settings.stripeSecretKey, {
      apiVersion: STRIPE_API_VERSION as Stripe.StripeConfig['apiVersion'],
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443,
      protocol: url.protocol === 'http:' ? 'http' : 'https',
      timeout: settings.stripeTimeoutMs,
      // Retries would multiply the time a request may take; the client retries on our 503 instead.
      maxNetworkRetries: 0,
      telemetry: false,
    });
  }

  get configured(): boolean {
    return this.#stripe !== undefined;
  }

  /** One PaymentIntent per order, however often or wherever this is called: Stripe's idempotency key. */
  createPaymentIntent(orderId: number, amount: string): Promise<PaymentIntentView> {
    return this.#call(async (stripe) =>
      view(
        await stripe.paymentIntents.create(
          { amount: toMinorUnits(amount, this.currency), currency: this.currency, metadata: { order_id: String(orderId) }, automatic_payment_methods: { enabled: true } },
          { idempotencyKey: `order-${orderId}-payment` },
        ),
      ),
    );
  }

  /** Cancels an open PaymentIntent; one that already succeeded is answered as it is (nothing to cancel). */
  cancelPaymentIntent(id: string): Promise<PaymentIntentView> {
    return this.#call(async (stripe) => {
      try {
        return view(await stripe.paymentIntents.cancel(id));
      } catch (error) {
        const intent = (error as StripeError).raw as { payment_intent?: Stripe.PaymentIntent } | undefined;
        if ((error as StripeError).code === 'payment_intent_unexpected_state' && intent?.payment_intent) return view(intent.payment_intent);
        throw error;
      }
    });
  }

  /**
   * A refund in full of the order's payment, once: its idempotency key is the
   * order's (with the attempt after a refusal, whose answer Stripe would replay).
   */
  refundInFull(orderId: number, paymentIntentId: string, attempt = 0): Promise<{ id: string; status: string }> {
    return this.#call(async (stripe) => {
      const refund = await stripe.refunds.create(
        { payment_intent: paymentIntentId, metadata: { order_id: String(orderId) } },
        { idempotencyKey: refundIdempotencyKey(orderId, attempt) },
      );
      return { id: refund.id, status: refund.status ?? 'pending' };
    });
  }

  /** The event, if `signature` is Stripe's over exactly `payload` with our secret (300 s tolerance); otherwise undefined. */
  verifyEvent(payload: Buffer, signature: string | undefined): Stripe.Event | undefined {
    if (!this.#webhookSecret) throw new PaymentsNotConfiguredError();
    if (!signature) return undefined;
    try {
      return Stripe.webhooks.constructEvent(payload, signature, this.#webhookSecret, 300);
    } catch {
      return undefined;
    }
  }

  async #call<T>(operation: (stripe: Stripe) => Promise<T>): Promise<T> {
    if (!this.#stripe) throw new PaymentsNotConfiguredError();
    try {
      return await operation(this.#stripe);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      const status = error.statusCode;
      if (error instanceof Stripe.errors.StripeConnectionError || status === undefined || status === 429 || status >= 500) {
        logger.warn({ stripe: { type: error.type, status, requestId: error.requestId } }, 'Stripe is unavailable');
        throw new PaymentProviderUnavailableError();
      }
      throw new PaymentRefusedError(error.code, error.message, error.raw);
    }
  }
}
