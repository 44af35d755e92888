// Budgets for attempts: per IP on the credential endpoints, per account name
// for failed logins, per user for current_password checks and for placing and
// cancelling orders, per email address for password reset requests. Counters live in Redis when REDIS_URL is set, so every
// server process spends one budget; in memory otherwise. rate-limiter-flexible
// keeps a memory limiter as insurance: while Redis is unreachable each process
// counts on its own rather than letting every attempt through or failing
// logins. Windows are fixed and expire by themselves, so a budget is never a
// permanent lockout.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { AuthenticationError, ThrottledError } from './errors';
import { throttledRequests } from './metrics';
import { sharedRedis } from './redis';

export interface ThrottleOptions {
  /** Distinguishes this budget's keys from other budgets' (`<keyPrefix>:<name>:<key>`). */
  name: string;
  /** Attempts per window; 0 turns the budget off. */
  points: number;
  windowSeconds: number;
  keyPrefix: string;
  redisUrl?: string;
}

export class Throttle {
  readonly #options: ThrottleOptions;
  #limiter?: RateLimiterAbstract;
  #ready: Promise<void> = Promise.resolve();

  constructor(options: ThrottleOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.points > 0;
  }

  /** Spends one attempt for `key`, or throws ThrottledError when none is left. */
  async spend(key: string): Promise<void> {
    if (!this.enabled) return;
    const limiter = await this.#connected();
    await limiter.consume(key).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throttledRequests.inc({ limit: this.#options.name });
      throw new ThrottledError(rejection.msBeforeNext);
    });
  }

  /** Gives back one attempt spent for `key` (best effort: a failure to refund is not the caller's error). */
  async refund(key: string): Promise<void> {
    await this.#settle((limiter) => limiter.reward(key));
  }

  /**
   * Runs `check`, a guess at a secret, within `key`'s budget. The attempt is
   * spent before the check runs, so a concurrent flood cannot slip past the
   * budget nor queue up bcrypt work. A check that passes (resolves truthy)
   * gives the whole budget back; one that fails (resolves falsy, or rejects
   * with bad credentials) keeps it spent; any other error refunds it.
   */
  async attempt<T>(key: string, check: () => Promise<T>): Promise<T> {
    await this.spend(key);
    let outcome: T;
    try {
      outcome = await check();
    } catch (error) {
      if (!(error instanceof AuthenticationError)) await this.refund(key);
      throw error;
    }
    if (outcome) await this.#settle((limiter) => limiter.delete(key));
    return outcome;
  }

  async #settle(operation: (limiter: RateLimiterAbstract) => Promise<unknown>): Promise<void> {
    if (this.enabled) await operation(await this.#connected()).catch(() => undefined);
  }

  /** Built on first use, so a process that never throttles never opens Redis. */
  async #connected(): Promise<RateLimiterAbstract> {
    this.#limiter ??= this.#build();
    await this.#ready;
    return this.#limiter;
  }

  #build(): RateLimiterAbstract {
    const { name, points, windowSeconds, keyPrefix, redisUrl } = this.#options;
    const shape = { points, duration: windowSeconds, keyPrefix: `${keyPrefix}:${name}` };
    if (!redisUrl) return new RateLimiterMemory(shape);
    const { client, firstAttempt } = sharedRedis(redisUrl);
    // Wait for the first connection attempt only: afterwards an outage falls back at once.
    this.#ready = firstAttempt;
    return new RateLimiterRedis({
      ...shape,
      storeClient: client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(shape),
    });
  }
}

export interface AuthThrottles {
  /** Every request to a credential endpoint, per client IP, per minute. */
  perIp: Throttle;
  /** Failed logins per account name (lowercased), from any IP. */
  loginFailures: Throttle;
  /** current_password checks per user id. */
  currentPassword: Throttle;
  /**
   * Password reset requests per email address (lowercased), from any IP: so
   * nobody can flood one inbox. Every address has the same budget, known or
   * not, so a 429 tells nothing about accounts.
   */
  passwordResets: Throttle;
}

export function authThrottles(config: Pick<Config, 'auth' | 'passwordReset' | 'redisUrl'>): AuthThrottles {
  const { auth, passwordReset, redisUrl } = config;
  const shared = { keyPrefix: auth.throttleKeyPrefix, redisUrl };
  return {
    perIp: new Throttle({ ...shared, name: 'ip', points: auth.rateLimitPerMinute, windowSeconds: 60 }),
    loginFailures: new Throttle({ ...shared, name: 'login', points: auth.loginFailuresPerAccount, windowSeconds: auth.failureWindowSeconds }),
    currentPassword: new Throttle({ ...shared, name: 'current-password', points: auth.currentPasswordAttempts, windowSeconds: auth.failureWindowSeconds }),
    passwordResets: new Throttle({ ...shared, name: 'password-reset', points: passwordReset.perEmail, windowSeconds: passwordReset.windowSeconds }),
  };
}

/**
 * Orders placed (direct or by checkout) and cancelled, per user id, per
 * minute: one budget for both, so a place-and-cancel loop cannot churn stock
 * or grow the order history faster than it allows. Same store and key prefix
 * as the login budgets.
 */
export function orderActionThrottle(config: Pick<Config, 'auth' | 'orders' | 'redisUrl'>): Throttle {
  return new Throttle({
    name: 'order-actions',
    points: config.orders.actionsPerMinute,
    windowSeconds: 60,
    keyPrefix: config.auth.throttleKeyPrefix,
    redisUrl: config.redisUrl,
  });
}
