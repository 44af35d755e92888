// GET /metrics: Prometheus' text format for whoever holds METRICS_TOKEN
// (`Authorization: Bearer <token>`). Without a token configured it is open in
// development and test, and absent (404) in production: the numbers say how
// busy the shop is and what fails, which is nobody else's business.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Api } from '../../http/api';
import { HttpError } from '../../http/errors';
import { problemSchema } from '../../http/problem';
import { metricsRegistry } from '../../lib/metrics';
import './metrics.collectors';

export interface MetricsAccess {
  token?: string;
  production: boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compared as digests: equal lengths for timingSafeEqual, and no timing clue to the token's length. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

export function metricsRouter({ token, production }: MetricsAccess): Router {
  const router = Router();
  if (!token && production) return router;
  const expected = token ? digest(token) : undefined;
  router.get('/metrics', async (req, res) => {
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      throw new HttpError(401, 'The metrics need the METRICS_TOKEN bearer token.', { code: 'not_authenticated' }, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const text = await metricsRegistry.metrics();
    res.setHeader('Cache-Control', 'no-store');
    res.type(metricsRegistry.contentType).send(text);
  });
  return router;
}

export function documentMetrics(api: Api): void {
  api.registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN, as configured on the server',
  });
  api.registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics_retrieve',
    summary: 'Prometheus metrics',
    description:
      'Prometheus text format: request durations by route template, requests in flight, the database pool, Node.js process metrics '
      + 'and the shop\'s own counters (see README "Monitoring"). Needs `Authorization: Bearer <METRICS_TOKEN>`; '
      + 'without METRICS_TOKEN set it is open outside production and 404 in production.',
    tags: ['service'],
    security: [{ metricsToken: [] }],
    responses: {
      200: { description: 'The metrics', content: { 'text/plain': { schema: z.string().meta({ example: '# HELP http_requests_in_flight ...' }) } } },
      401: { description: 'No token, or not METRICS_TOKEN', content: { 'application/problem+json': { schema: problemSchema } } },
      404: { description: 'Production without METRICS_TOKEN: there are no metrics', content: { 'application/problem+json': { schema: problemSchema } } },
    },
  });
}
