// The process's Prometheus metrics, in one registry that GET /metrics serves
// (src/modules/metrics). Counters of things that happen (orders placed, mail
// delivered, webhooks received...) count in the process that did them:
// Prometheus sums them over instances. State that lives in the database
// (the mail outbox) and the pool are read when Prometheus scrapes, never on a
// request's path.
//
// Label values come from a fixed set (outcomes, limit names, route templates,
// a verified Stripe event's type), never from a client's input: every new
// value is a new series held in memory for good.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();

// Event-loop lag, heap, GC, CPU, file descriptors: prom-client's defaults.
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Time from a request arriving to its response finishing, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  // From a cached product read (a few ms) to a checkout queued on hot rows.
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const httpRequestsInFlight = new Gauge({
  name: 'http_requests_in_flight',
  help: 'Requests received whose response has not finished',
  registers,
});

export const ordersPlaced = new Counter({
  name: 'shop_orders_placed_total',
  help: 'Orders placed (committed), by source: the cart (checkout) or a list of lines',
  labelNames: ['source'] as const,
  registers,
});

export const ordersExpired = new Counter({
  name: 'shop_orders_expired_total',
  help: 'Pending orders cancelled by the expiry sweep because they stayed unpaid past the TTL',
  registers,
});

export const payments = new Counter({
  name: 'shop_payments_total',
  help: 'Card payments by outcome: started (PaymentIntent created), paid, failed, canceled, refund_due (paid for an order no longer payable), amount_mismatch',
  labelNames: ['outcome'] as const,
  registers,
});

export const refunds = new Counter({
  name: 'shop_refunds_total',
  help: 'Refunds asked of Stripe, by outcome: succeeded, failed (refused), unavailable (Stripe unreachable; asked again later)',
  labelNames: ['outcome'] as const,
  registers,
});

export const webhookEvents = new Counter({
  name: 'shop_webhook_events_total',
  help: 'Stripe webhook deliveries by event type and result; type is "unverified" when the signature does not match',
  labelNames: ['type', 'result'] as const,
  registers,
});

export const mailDeliveries = new Counter({
  name: 'shop_mail_deliveries_total',
  help: 'Mail delivery attempts by outcome: sent, retrying, failed (given up), discarded, lapsed (lease lost)',
  labelNames: ['outcome'] as const,
  registers,
});

export const throttledRequests = new Counter({
  name: 'shop_throttled_requests_total',
  help: 'Attempts refused (429) by a budget, by its name: ip, login, current-password, password-reset, order-actions',
  labelNames: ['limit'] as const,
  registers,
});
