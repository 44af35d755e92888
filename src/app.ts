// Builds the Express application: middleware, routers, docs and the error
// handler. It never listens; src/server.ts does, and tests use it directly.
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { HelmetOptions } from 'helmet';
import { config as defaultConfig, type Config } from './config';
import { Api } from './http/api';
import { docsRouter } from './http/docs';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { requestLog } from './http/request-log';
import { requestMetrics } from './http/request-metrics';
import { securityHeaders } from './http/security-headers';
import { accessLogger, logger } from './lib/logger';
import { authThrottles, type AuthThrottles } from './lib/throttle';
import { adminRouter } from './admin/admin.router';
import { cartItemsSection } from './admin/cart-items.routes';
import { categoriesSection } from './admin/categories.routes';
import { logSection } from './admin/log.routes';
import { mailSection } from './admin/mail.routes';
import { ordersSection } from './admin/orders.routes';
import { productsSection } from './admin/products.routes';
import { usersSection } from './admin/users.routes';
import { registerAddressRoutes } from './modules/addresses/addresses.router';
import { registerAuthRoutes } from './modules/auth/auth.router';
import { registerHealthRoutes } from './modules/health/health.router';
import { documentMetrics, metricsRouter } from './modules/metrics/metrics.router';
import { registerCartRoutes } from './modules/cart/cart.router';
import { registerCategoryRoutes } from './modules/categories/categories.router';
import { orderLimits } from './modules/orders/order-limits';
import { registerOrderRoutes } from './modules/orders/orders.router';
import { registerPasswordResetRoutes } from './modules/password-reset/password-reset.router';
import { registerPaymentRoutes } from './modules/payments/payments.router';
import { StripeGateway } from './modules/payments/stripe-gateway';
import { registerProductRoutes } from './modules/products/products.router';
import { registerUserRoutes } from './modules/users/users.router';
import { documentMedia, mediaRouter } from './http/media';

export interface AppOptions {
  config?: Config;
}

/** Every route, declared once: mounted by createApp, documented by the OpenAPI generator. */
export function buildApi(
  config: Config = defaultConfig,
  throttles: AuthThrottles = authThrottles(config),
  gateway: StripeGateway = new StripeGateway(config.payments),
): Api {
  const api = new Api();
  registerHealthRoutes(api);
  registerAuthRoutes(api, throttles);
  registerPasswordResetRoutes(api, throttles);
  registerUserRoutes(api, throttles.currentPassword);
  registerAddressRoutes(api);
  registerProductRoutes(api);
  registerCategoryRoutes(api);
  registerCartRoutes(api);
  registerOrderRoutes(api, orderLimits(config), gateway);
  registerPaymentRoutes(api, gateway);
  documentMedia(api);
  documentMetrics(api);
  return api;
}

export const HELMET_OPTIONS: HelmetOptions = {
  // Helmet's default script-src is 'self' alone: Swagger UI on /docs loads
  // its scripts from files, and only its styles are inline (style-src allows them).
  contentSecurityPolicy: {
    directives: {
      'img-src': ["'self'", 'data:', 'https:'],
      // Local http origins (Swagger UI on localhost) must not be forced to https.
      'upgrade-insecure-requests': null,
    },
  },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
};

// Tokens and personal data must never sit in a shared or browser cache.
const PERSONAL_PATHS = /^\/api\/(?:token|users|cart|orders)(?:\/|$)/;
const noStoreForPersonalData: RequestHandler = (req, res, next) => {
  if (PERSONAL_PATHS.test(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
};

export function createApp({ config = defaultConfig }: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body for a weak ETag; the routes whose
  // answers are worth revalidating (products) set their own, cheaply.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  // One set of throttles: the admin login spends the same budgets as the API's.
  const throttles = authThrottles(config);
  const gateway = new StripeGateway(config.payments);
  const api = buildApi(config, throttles, gateway);

  app.use(requestMetrics(api.documentedPath));
  app.use(requestLog(logger, accessLogger));
  app.use(securityHeaders(HELMET_OPTIONS));
  app.use(
    cors({
      origin: config.corsOrigins,
      exposedHeaders: ['x-request-id', 'Retry-After', 'Idempotent-Replayed', 'ETag'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'x-request-id'],
      maxAge: 600,
    }),
  );
  app.use(noStoreForPersonalData);

  app.use(api.finish());
  app.use('/admin', adminRouter(throttles, {
      '/products': productsSection(),
      '/categories': categoriesSection(),
      '/users': usersSection(),
      '/cart-items': cartItemsSection(),
      '/orders': ordersSection(gateway),
      '/mail': mailSection(),
      '/log': logSection(),
    }, config));
  app.use(docsRouter(api));
  app.use(metricsRouter({ token: config.metrics.token, production: config.nodeEnv === 'production' }));
  app.use('/media', mediaRouter());

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
