// Builds the Express application: middleware, routers, docs and the error
// handler. It never listens; src/server.ts does, and tests use it directly.
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import type { HelmetOptions } from 'helmet';
import { pinoHttp } from 'pino-http';
import { config as defaultConfig, type Config } from './config';
import { Api } from './http/api';
import { docsRouter } from './http/docs';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { securityHeaders } from './http/security-headers';
import { logger } from './lib/logger';
import { authThrottles, type AuthThrottles } from './lib/throttle';
import { adminRouter } from './admin/admin.router';
import { registerAuthRoutes } from './modules/auth/auth.router';
import { registerHealthRoutes } from './modules/health/health.router';
import { registerCartRoutes } from './modules/cart/cart.router';
import { registerOrderRoutes } from './modules/orders/orders.router';
import { registerProductRoutes } from './modules/products/products.router';
import { registerUserRoutes } from './modules/users/users.router';
import { documentMedia, mediaRouter } from './http/media';

const REQUEST_ID = /^[\w.:-]{1,100}$/;

export interface AppOptions {
  config?: Config;
}

/** Every route, declared once: mounted by createApp, documented by the OpenAPI generator. */
export function buildApi(config: Config = defaultConfig, throttles: AuthThrottles = authThrottles(config)): Api {
  const api = new Api();
  registerHealthRoutes(api);
  registerAuthRoutes(api, throttles);
  registerUserRoutes(api, throttles.currentPassword);
  registerProductRoutes(api);
  registerCartRoutes(api);
  registerOrderRoutes(api);
  documentMedia(api);
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
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
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

  // One set of throttles: the admin login spends the same budgets as the API's.
  const throttles = authThrottles(config);
  const api = buildApi(config, throttles);
  app.use(api.finish());
  app.use('/admin', adminRouter(throttles));
  app.use(docsRouter(api));
  app.use('/media', mediaRouter());

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
