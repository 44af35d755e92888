// Domain errors: thrown by services, which know nothing of HTTP. The error
// handler in src/http maps each class to a status; `code` and `extra` go into
// the problem+json body as they are.

export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Extra members copied into the problem document (e.g. the short products). */
  readonly extra: Record<string, unknown>;

  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.extra = extra;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'invalid';
  constructor(message: string, readonly errors: FieldErrors = {}) {
    super(message, { errors });
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError(message, { [field]: [message] });
  }
}

export class AuthenticationError extends DomainError {
  /** SimpleJWT's codes: the Angular client reads `token_not_valid` to refresh. */
  constructor(
    message: string,
    readonly code: 'token_not_valid' | 'authentication_failed' | 'not_authenticated' = 'authentication_failed',
  ) {
    super(message);
  }
}

export class PermissionDeniedError extends DomainError {
  readonly code = 'permission_denied';
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(message = 'Not found.') {
    super(message);
  }
}

export class ConflictError extends DomainError {
  readonly code: string = 'conflict';
}

export class InsufficientStockError extends ConflictError {
  override readonly code = 'insufficient_stock';
  constructor(readonly shortages: { product_id: number; name: string | null; requested: number; available: number }[]) {
    super(
      `Not enough stock for: ${shortages.map((s) => `${s.name ?? `product ${s.product_id}`} (${s.available} available)`).join(', ')}`,
      { shortages },
    );
  }
}

/** One account holding too many unpaid orders (they hold stock) may not place another until one is paid, cancelled or expired. */
export class PendingOrderLimitError extends ConflictError {
  override readonly code = 'pending_order_limit';
  constructor(limit: number) {
    super(
      `You already have ${limit} pending orders, the most allowed; pay or cancel one before placing another.`,
      { max_pending_orders: limit },
    );
  }
}

/** A product the order would take past the pending-unit limit, with what this account may still order of it. */
export interface PendingUnitExcess {
  product_id: number;
  name: string;
  requested: number;
  /** Units of it already in this account's pending orders. */
  held: number;
  /** The most this order may ask for: the limit less what is held, never below 0. */
  allowed: number;
}

/**
 * However few orders it has, one account may hold only so many units of a
 * product unpaid (they are stock nobody else can buy); it may order more once
 * some are paid, cancelled or expired.
 */
export class PendingUnitLimitError extends ConflictError {
  override readonly code = 'pending_unit_limit';
  constructor(limit: number, readonly limits: PendingUnitExcess[]) {
    super(
      `Your pending orders may hold at most ${limit} units of a product: ${limits
        .map((l) => `${l.name} (${l.held} held, ${l.requested} requested, at most ${l.allowed} more allowed)`)
        .join(', ')}.`,
      { max_pending_units: limit, limits },
    );
  }
}

/** The client edited a version of the resource that is no longer current (If-Match). */
export class StaleVersionError extends DomainError {
  readonly code = 'stale_version';
  constructor() {
    super('The product changed since you read it (If-Match does not match its ETag); reload it and try again.');
  }
}

export class IdempotencyMismatchError extends DomainError {
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('This Idempotency-Key was already used with a different request.');
  }
}

/** Too many attempts (DRF's "throttled"); the client may retry after `retryAfterSeconds`. */
export class ThrottledError extends DomainError {
  readonly code = 'throttled';
  readonly retryAfterSeconds: number;
  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(`Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`);
    this.retryAfterSeconds = seconds;
  }
}

/** Too much of one kind of work at once (e.g. password hashing): the same request may well succeed in a moment. */
export class ServerBusyError extends DomainError {
  readonly code = 'server_busy';
  readonly retryAfterSeconds = 1;
  constructor(message = 'The server is busy; please retry.') {
    super(message);
  }
}

/** Another service the request needs (a payment provider) is down or slow: the same request may succeed after `retryAfterSeconds`. */
export class UnavailableError extends DomainError {
  readonly code: string = 'service_unavailable';
  readonly retryAfterSeconds: number = 5;
}

/** A page number past the rows page numbers reach (400): keyset pages, through the last page's `next` link, go on. */
export class PageTooDeepError extends DomainError {
  readonly code = 'page_too_deep';
  constructor(limit: number) {
    super(`Page numbers reach the first ${limit} items; follow the \`next\` link of the last such page (a cursor) to read further.`, { max_paged_items: limit });
  }
}
