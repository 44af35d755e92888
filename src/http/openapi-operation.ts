// How one route declaration becomes an OpenAPI operation: a drf-spectacular
// style operationId, the statuses it can answer (400/401/403/404/413/415/500/503
// added from what the route declares), problem+json for every error.
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z, type ZodType } from 'zod';
import type { AuthLevel } from './authenticate';
import type { Method, RouteSpec } from './api';
import { problemSchema } from './problem';

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing, invalid or expired token',
  403: 'Not allowed for this user',
  404: 'Not found',
  413: 'Body too large',
  415: 'Unsupported content type',
  500: 'Unexpected server error (details are logged with the request id, never returned)',
  503: 'The database is unavailable or busy; retry after Retry-After seconds',
};

/** The one operation that never touches the database (liveness). */
const NO_DATABASE = new Set(['/health']);

const ACTIONS: Record<Method, string> = { get: 'retrieve', post: 'create', put: 'update', patch: 'partial_update', delete: 'destroy' };

function isCollection(schema: ZodType | undefined): boolean {
  return schema instanceof z.ZodArray || String(z.globalRegistry.get(schema as ZodType)?.id ?? '').startsWith('Paginated');
}

function defaultOperationId(spec: { method: Method; path: string; responses: Record<number, { schema?: ZodType }> }): string {
  const segments = spec.path.split('/').filter((s) => s && s !== 'api' && !s.startsWith('{'));
  const action = spec.method === 'get' && !spec.path.includes('{') && isCollection(spec.responses[200]?.schema) ? 'list' : ACTIONS[spec.method];
  return [...segments.map((s) => s.replace(/-/g, '_')), action].join('_');
}

export function documentRoute<B extends ZodType, Q extends ZodType, P extends ZodType, A extends AuthLevel | undefined, H extends ZodType>(
  registry: OpenAPIRegistry,
  spec: RouteSpec<B, Q, P, A, H>,
  operationIds: Set<string>,
): void {
  const operationId = spec.operationId ?? defaultOperationId(spec);
  if (operationIds.has(operationId)) throw new Error(`Duplicate operationId ${operationId} (${spec.method} ${spec.path})`);
  operationIds.add(operationId);

  const statuses = new Set(Object.keys(spec.responses).map(Number)).add(500);
  if (spec.body || spec.query || spec.headers) statuses.add(400);
  if (spec.query instanceof z.ZodObject && 'page' in spec.query.shape) statuses.add(404); // a page past the end
  if (spec.body) statuses.add(413).add(415);
  if (spec.rawBody) statuses.add(400).add(413);
  if (spec.auth) statuses.add(401);
  if (spec.auth === 'staff') statuses.add(403);
  if (spec.params) statuses.add(404).add(400); // 400: a path that is not valid percent-encoding
  if (!NO_DATABASE.has(spec.path)) statuses.add(503);
  const responses: RouteConfig['responses'] = {};
  for (const status of [...statuses].sort()) {
    const declared = spec.responses[status];
    const description = declared?.description ?? STANDARD_ERRORS[status] ?? 'Error';
    const schema = declared?.schema ?? (status >= 400 ? problemSchema : undefined);
    const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
    const declaredHeaders = Object.entries(declared?.headers ?? {}).map(([name, about]) => [name, { description: about, schema: { type: 'string' as const } }]);
    const retryAfter = status === 429 || status === 503 ? [['Retry-After', { description: 'Seconds to wait', schema: { type: 'integer' as const } }]] : [];
    const headers = declaredHeaders.length || retryAfter.length ? Object.fromEntries([...declaredHeaders, ...retryAfter]) : undefined;
    responses[status] = { description, ...(schema ? { content: { [mediaType]: { schema } } } : {}), ...(headers ? { headers } : {}) };
  }
  const content: Record<string, { schema: ZodType }> = {};
  if (spec.body) content['application/json'] = { schema: spec.body };
  if (spec.rawBody) content['application/json'] = { schema: spec.rawBody.schema };
  if (spec.multipart) content['multipart/form-data'] = { schema: spec.multipart };
  registry.registerPath({
    method: spec.method,
    path: spec.path,
    operationId,
    summary: spec.summary,
    description: spec.description,
    tags: [spec.tag],
    // An empty list says "no token needed" explicitly (linters insist).
    security: spec.auth ? [{ bearerAuth: [] }] : [],
    request: {
      params: spec.params as z.ZodObject | undefined,
      query: spec.query as z.ZodObject | undefined,
      headers: spec.headers as z.ZodObject | undefined,
      body: spec.body || spec.multipart || spec.rawBody ? { required: !spec.bodyOptional, content } : undefined,
    },
    responses,
  });
}
