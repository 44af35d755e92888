import { z } from 'zod';
import type { Api } from '../../http/api';
import { HttpError } from '../../http/errors';
import { db } from '../../lib/db';

// Set once, when the server starts draining on SIGTERM: from then on /ready
// answers 503 so a load balancer that checks it sends this process nothing new.
let draining = false;

export function startDraining(): void {
  draining = true;
}

const status = z.strictObject({ status: z.string() }).meta({ id: 'ServiceStatus', example: { status: 'ok' } });

export function registerHealthRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/health', tag: 'service', summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Up', schema: status } },
    },
    () => ({ status: 200, body: { status: 'ok' } }),
  );

  api.route(
    {
      method: 'get', path: '/ready', tag: 'service', summary: 'Readiness: the database answers and the server is not shutting down',
      responses: { 200: { description: 'Ready', schema: status }, 503: { description: 'The database does not answer, or the server is shutting down' } },
    },
    async () => {
      if (draining) {
        throw new HttpError(503, 'The server is shutting down.', { code: 'shutting_down' }, { 'Retry-After': '5' });
      }
      try {
        await db().$queryRaw`SELECT 1`;
      } catch {
        throw new HttpError(503, 'The database is not reachable.', { code: 'service_unavailable' }, { 'Retry-After': '5' });
      }
      return { status: 200, body: { status: 'ready' } };
    },
  );
}
