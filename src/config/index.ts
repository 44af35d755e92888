// The only module that reads process.env. Everything is parsed and checked at
// boot so a bad deployment stops with a clear message instead of misbehaving.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import dotenv from 'dotenv';
import { z } from 'zod';

dotenv.config({ quiet: true });

const flag = (fallback: boolean) =>
  z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] }).default(fallback);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  // After SIGTERM: how long the server keeps serving (readiness 503, every
  // response `Connection: close`) before it stops listening, so the load
  // balancer's keep-alive connections to it are gone first. Unset: 5 s in
  // production, 0 elsewhere (Ctrl-C and test servers stop at once).
  SHUTDOWN_DRAIN_SECONDS: optionalString.transform((v) => (v === undefined ? v : Number(v))).pipe(z.number().min(0).max(300).optional()),

  DATABASE_URL: optionalString.pipe(z.url().optional()),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  // How long a request may wait for a pool connection (or a new connection to
  // open) before it is answered 503: adapter-pg waits for ever by default.
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  MIGRATE_ON_START: flag(true),
  EMBEDDED_DB_DIR: z.string().default('.data/postgres'),
  EMBEDDED_DB_PORT: z.coerce.number().int().min(0).max(65535).default(0),

  JWT_SECRET: optionalString,
  JWT_ISSUER: z.string().min(1).default('shop-api'),
  JWT_AUDIENCE: z.string().min(1).default('shop-api'),
  ACCESS_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(10).default(300),
  REFRESH_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).default(86_400),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(12),
  // bcrypt runs on libuv's thread pool and would take every core under a
  // flood of logins; keep one core for everything else.
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).default(Math.max(1, availableParallelism() - 1)),
  PASSWORD_HASH_MAX_WAIT_MS: z.coerce.number().int().min(0).default(1_000),
  AUTH_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).default(20),
  // Failed logins per account name, and current_password checks per user, in
  // one window; the window ends by itself (never a lockout). 0 turns one off.
  LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(0).default(10),
  CURRENT_PASSWORD_ATTEMPTS: z.coerce.number().int().min(0).default(5),
  AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  THROTTLE_KEY_PREFIX: z.string().min(1).default('shop:throttle'),

  // Shared counters for throttling across server processes; unset: per process.
  REDIS_URL: optionalString.pipe(z.url().optional()),

  // The bearer token GET /metrics asks for. Unset: /metrics is open outside
  // production and absent (404) in production.
  METRICS_TOKEN: optionalString,

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: z.string().default('http://localhost:4200'),

  UPLOAD_DIR: z.string().default('uploads'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(5 * 1024 * 1024),

  // Unpaid orders give their stock back: a pending order older than the TTL
  // is cancelled by a sweep every ORDER_EXPIRY_SWEEP_SECONDS (TTL 0: never).
  // One account holds at most MAX_PENDING_ORDERS_PER_USER pending orders, and
  // in them at most MAX_PENDING_UNITS_PER_PRODUCT units of any one product
  // (0: no unit limit). Placing and cancelling orders spends one of the
  // account's ORDER_ACTIONS_PER_MINUTE (0: no budget). Staff are exempt.
  PENDING_ORDER_TTL_SECONDS: z.coerce.number().int().min(0).default(1800),
  ORDER_EXPIRY_SWEEP_SECONDS: z.coerce.number().int().min(1).default(60),
  MAX_PENDING_ORDERS_PER_USER: z.coerce.number().int().min(1).default(10),
  MAX_PENDING_UNITS_PER_PRODUCT: z.coerce.number().int().min(0).default(10),
  ORDER_ACTIONS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  // true: every order (direct or checkout) must say where it ships, with a
  // shipping_address or an address_id; false keeps it optional.
  REQUIRE_SHIPPING_ADDRESS: flag(false),

  // Card payments through Stripe. Without the secret key the payment routes
  // answer 503 payments_not_configured and everything else works.
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_URL: z.url().default('https://api.stripe.com'),
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  SHOP_CURRENCY: z.string().regex(/^[a-z]{3}$/, 'an ISO 4217 code in lower case, e.g. usd').default('usd'),

  // The shop's mail. Without SMTP_URL, development writes each mail as an
  // .eml file under MAIL_DIR (and logs it); production warns at start and
  // keeps mails queued until a server with SMTP_URL delivers them.
  SMTP_URL: optionalString.pipe(z.url().refine((u) => /^smtps?:/i.test(u), 'an smtp:// or smtps:// URL').optional()),
  MAIL_FROM: z.string().trim().min(3).default('Shop <no-reply@shop.local>'),
  MAIL_DIR: z.string().default('.data/mail'),
  // A mail refused for now (or SMTP down) is tried again after a backoff that
  // doubles from MAIL_RETRY_BASE_SECONDS up to MAIL_RETRY_MAX_SECONDS, with
  // jitter; after MAIL_MAX_ATTEMPTS tries it is marked failed, for staff.
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  MAIL_RETRY_BASE_SECONDS: z.coerce.number().min(0.01).default(30),
  MAIL_RETRY_MAX_SECONDS: z.coerce.number().min(0.01).default(3600),
  // How often an idle worker looks for due mail, and how long one claim lasts:
  // a worker that dies mid-send leaves its mail to others once the lease ends.
  MAIL_POLL_MS: z.coerce.number().int().min(10).default(2_000),
  MAIL_LEASE_SECONDS: z.coerce.number().min(1).default(120),
  MAIL_SEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),

  // The reset link mailed to a customer: {uid} and {token} are filled in.
  // Default: <PUBLIC_URL>/reset-password?uid={uid}&token={token}.
  PASSWORD_RESET_URL: optionalString,
  PASSWORD_RESET_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  // Reset requests per email address per window (from any IP); per IP the
  // credential endpoints' AUTH_RATE_LIMIT_PER_MIN applies.
  PASSWORD_RESET_PER_EMAIL: z.coerce.number().int().min(0).default(3),
  PASSWORD_RESET_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),

  // The admin dashboard's "low on stock": products with this many or fewer.
  LOW_STOCK_THRESHOLD: z.coerce.number().int().min(0).max(1_000_000).default(5),

  DEMO_ADMIN_USERNAME: z.string().default('admin'),
  DEMO_ADMIN_EMAIL: z.email().default('admin@shop.local'),
  DEMO_ADMIN_PASSWORD: z.string().min(8).default('shop-admin-demo'),
});

function resolveJwtSecret(env: z.infer<typeof envSchema>): string {
  if (env.JWT_SECRET) {
    if (env.NODE_ENV === 'production' && env.JWT_SECRET.length < 32) {
      throw new Error('JWT_SECRET must be at least 32 characters in production');
    }
    return env.JWT_SECRET;
  }
  if (env.NODE_ENV === 'production') {
    throw new Error('JWT_SECRET is required when NODE_ENV=production (at least 32 characters)');
  }
  // Outside production a throwaway secret keeps `npm start` working with no
  // setup; tokens simply stop being valid when the process restarts.
  process.emitWarning('JWT_SECRET is not set: using a random secret; tokens die with this process');
  return randomBytes(48).toString('base64url');
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL) {
    // Without it the embedded database would start, with the public demo admin.
    throw new Error('DATABASE_URL is required when NODE_ENV=production (e.g. postgresql://user:pass@db:5432/shop)');
  }
  if (env.NODE_ENV === 'production' && env.METRICS_TOKEN && env.METRICS_TOKEN.length < 16) {
    throw new Error('Invalid configuration:\n  METRICS_TOKEN: at least 16 characters in production (e.g. openssl rand -hex 24)');
  }
  if (env.MAIL_LEASE_SECONDS * 1000 < 2 * env.MAIL_SEND_TIMEOUT_MS) {
    // A claim that can lapse while its send still runs lets another process send the mail again.
    throw new Error('Invalid configuration:\n  MAIL_LEASE_SECONDS: must be at least twice MAIL_SEND_TIMEOUT_MS, so a send always ends within its claim');
  }
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: env.TRUST_PROXY,
    shutdownDrainMs: Math.round((env.SHUTDOWN_DRAIN_SECONDS ?? (env.NODE_ENV === 'production' ? 5 : 0)) * 1000),
    database: Object.freeze({
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      migrateOnStart: env.MIGRATE_ON_START,
      embeddedDir: env.EMBEDDED_DB_DIR,
      embeddedPort: env.EMBEDDED_DB_PORT,
    }),
    auth: Object.freeze({
      jwtSecret: resolveJwtSecret(env),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenSeconds: env.ACCESS_TOKEN_LIFETIME_SECONDS,
      refreshTokenSeconds: env.REFRESH_TOKEN_LIFETIME_SECONDS,
      bcryptRounds: env.BCRYPT_ROUNDS,
      hashConcurrency: env.PASSWORD_HASH_CONCURRENCY,
      hashMaxWaitMs: env.PASSWORD_HASH_MAX_WAIT_MS,
      rateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MIN,
      loginFailuresPerAccount: env.LOGIN_FAILURES_PER_ACCOUNT,
      currentPasswordAttempts: env.CURRENT_PASSWORD_ATTEMPTS,
      failureWindowSeconds: env.AUTH_FAILURE_WINDOW_SECONDS,
      throttleKeyPrefix: env.THROTTLE_KEY_PREFIX,
    }),
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
    metrics: Object.freeze({ token: env.METRICS_TOKEN }),
    corsOrigins: env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    uploads: Object.freeze({ dir: env.UPLOAD_DIR, maxBytes: env.MAX_UPLOAD_BYTES }),
    orders: Object.freeze({
      pendingTtlSeconds: env.PENDING_ORDER_TTL_SECONDS,
      expirySweepSeconds: env.ORDER_EXPIRY_SWEEP_SECONDS,
      maxPendingPerUser: env.MAX_PENDING_ORDERS_PER_USER,
      maxPendingUnitsPerProduct: env.MAX_PENDING_UNITS_PER_PRODUCT,
      actionsPerMinute: env.ORDER_ACTIONS_PER_MINUTE,
      requireShippingAddress: env.REQUIRE_SHIPPING_ADDRESS,
    }),
    payments: Object.freeze({
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
      stripeApiUrl: env.STRIPE_API_URL,
      stripeTimeoutMs: env.STRIPE_TIMEOUT_MS,
      currency: env.SHOP_CURRENCY,
    }),
    mail: Object.freeze({
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      dir: env.MAIL_DIR,
      maxAttempts: env.MAIL_MAX_ATTEMPTS,
      retryBaseMs: Math.round(env.MAIL_RETRY_BASE_SECONDS * 1000),
      retryMaxMs: Math.round(env.MAIL_RETRY_MAX_SECONDS * 1000),
      pollMs: env.MAIL_POLL_MS,
      leaseMs: Math.round(env.MAIL_LEASE_SECONDS * 1000),
      sendTimeoutMs: env.MAIL_SEND_TIMEOUT_MS,
    }),
    passwordReset: Object.freeze({
      url: env.PASSWORD_RESET_URL ?? `${env.PUBLIC_URL?.replace(/\/+$/, '') ?? 'http://localhost:4200'}/reset-password?uid={uid}&token={token}`,
      ttlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
      perEmail: env.PASSWORD_RESET_PER_EMAIL,
      windowSeconds: env.PASSWORD_RESET_WINDOW_SECONDS,
    }),
    admin: Object.freeze({ lowStockThreshold: env.LOW_STOCK_THRESHOLD }),
    demoAdmin: Object.freeze({
      username: env.DEMO_ADMIN_USERNAME,
      email: env.DEMO_ADMIN_EMAIL,
      password: env.DEMO_ADMIN_PASSWORD,
    }),
  });
}

export type Config = ReturnType<typeof loadConfig>;

/**
 * What only a serving process needs (CLI steps such as migrations serve no
 * links, so they run without it): in production, links in responses come
 * from PUBLIC_URL, never from a client's Host header.
 */
export function assertServingConfig(settings: Config): void {
  if (settings.nodeEnv === 'production' && !settings.publicUrl) {
    throw new Error('PUBLIC_URL is required when NODE_ENV=production (e.g. https://shop.example.com)');
  }
}

export const config: Config = loadConfig();
