// One call per route declares its method, path, auth, zod schemas and
// responses. From that single declaration the route is mounted with its
// validation and authentication, and documented in the OpenAPI registry, so
// the document cannot drift from what the server accepts.
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import '../lib/zod-messages';
import { ValidationError } from '../lib/errors';
import { authenticate, type AuthLevel } from './authenticate';
import { HttpError } from './errors';
import { problemSchema } from './problem';
import { zodFieldErrors } from './zod-errors';
import type { AuthUser } from '../modules/users/users.service';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<B extends ZodType, Q extends ZodType, P extends ZodType, A extends AuthLevel | undefined, H extends ZodType = ZodType> {
  method: Method;
  /** OpenAPI form with DRF's trailing slash: `/api/products/{id}/`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Defaults to DRF/drf-spectacular style: `products_list`, `products_partial_update`... */
  operationId?: string;
  auth?: A;
  body?: B;
  /** Multipart form schema, for the document only; `middleware` parses it. */
  multipart?: ZodType;
  query?: Q;
  params?: P;
  /** Request headers the route reads, validated like the query. */
  headers?: H;
  responses: Record<number, { description: string; schema?: ZodType }>;
  middleware?: RequestHandler[];
}

export interface RouteContext<B, Q, P, A, H = unknown> {
  body: B;
  query: Q;
  params: P;
  headers: H;
  user: A extends AuthLevel ? AuthUser : undefined;
  req: Request;
  res: Response;
}

const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input',
  401: 'Missing, invalid or expired token',
  403: 'Not allowed for this user',
  404: 'Not found',
  413: 'Body too large',
  415: 'Unsupported content type',
  500: 'Unexpected server error (details are logged with the request id, never returned)',
};

const ACTIONS: Record<Method, string> = { get: 'retrieve', post: 'create', put: 'update', patch: 'partial_update', delete: 'destroy' };

function isCollection(schema: ZodType | undefined): boolean {
  return schema instanceof z.ZodArray || String(z.globalRegistry.get(schema as ZodType)?.id ?? '').startsWith('Paginated');
}

function defaultOperationId(spec: { method: Method; path: string; responses: Record<number, { schema?: ZodType }> }): string {
  const segments = spec.path.split('/').filter((s) => s && s !== 'api' && !s.startsWith('{'));
  const action = spec.method === 'get' && !spec.path.includes('{') && isCollection(spec.responses[200]?.schema) ? 'list' : ACTIONS[spec.method];
  return [...segments.map((s) => s.replace(/-/g, '_')), action].join('_');
}

export class Api {
  readonly router = Router();
  readonly registry = new OpenAPIRegistry();
  /** Handlers per Express path, mounted by finish() in an order that keeps 405s right. */
  private readonly routesByPath = new Map<string, { method: Method; handlers: RequestHandler[] }[]>();
  private readonly operationIds = new Set<string>();

  constructor() {
    this.registry.registerComponent('securitySchemes', 'bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The `access` token from POST /api/token/',
    });
  }

  route<
    B extends ZodType = ZodType<undefined>,
    Q extends ZodType = ZodType<Record<string, never>>,
    P extends ZodType = ZodType<Record<string, never>>,
    A extends AuthLevel | undefined = undefined,
    H extends ZodType = ZodType<Record<string, never>>,
  >(
    spec: RouteSpec<B, Q, P, A, H>,
    handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>, A, z.output<H>>) => Promise<Reply> | Reply,
  ): void {
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1').replace(/\/$/, '');
    this.document(spec);

    const run: RequestHandler = async (req, res) => {
      const user = req.user;
      const params = spec.params ? parseParams(spec.params, req.params) : {};
      const query = spec.query ? parseInput(spec.query, req.query, 'query') : {};
      const headers = spec.headers ? parseInput(spec.headers, req.headers, 'header') : {};
      const body = spec.body ? parseInput(spec.body, bodyOf(req, Boolean(spec.multipart)), 'body') : undefined;
      const reply = await handler({ body, query, params, headers, user, req, res } as RouteContext<
        z.output<B>, z.output<Q>, z.output<P>, A, z.output<H>
      >);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    };
    // Authentication runs before middleware such as uploads, so an anonymous
    // client cannot make the server store a file.
    const level = spec.auth;
    const guard: RequestHandler[] = level
      ? [async (req, _res, next) => {
          await authenticate(req, level);
          next();
        }]
      : [];
    const routes = this.routesByPath.get(expressPath) ?? [];
    routes.push({ method: spec.method, handlers: [...guard, ...(spec.middleware ?? []), run] });
    this.routesByPath.set(expressPath, routes);
  }

  /**
   * Mounts every route, fixed paths before parameterised ones, each path
   * followed by its 405 (with Allow): so GET /api/orders/checkout/ is a 405,
   * not a lookup of an order called "checkout".
   */
  finish(): Router {
    const paths = [...this.routesByPath.keys()].sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
    for (const path of paths) {
      const routes = this.routesByPath.get(path)!;
      for (const { method, handlers } of routes) this.router[method](path, ...handlers);
      const allow = [...new Set(routes.map((r) => r.method.toUpperCase()))].join(', ');
      this.router.all(path, () => {
        throw new HttpError(405, 'Method not allowed.', {}, { Allow: allow });
      });
    }
    return this.router;
  }

  private document<B extends ZodType, Q extends ZodType, P extends ZodType, A extends AuthLevel | undefined, H extends ZodType>(
    spec: RouteSpec<B, Q, P, A, H>,
  ): void {
    const operationId = spec.operationId ?? defaultOperationId(spec);
    if (this.operationIds.has(operationId)) throw new Error(`Duplicate operationId ${operationId} (${spec.method} ${spec.path})`);
    this.operationIds.add(operationId);

    const statuses = new Set(Object.keys(spec.responses).map(Number)).add(500);
    if (spec.body || spec.query || spec.headers) statuses.add(400);
    if (spec.query instanceof z.ZodObject && 'page' in spec.query.shape) statuses.add(404); // a page past the end
    if (spec.body) statuses.add(413).add(415);
    if (spec.auth) statuses.add(401);
    if (spec.auth === 'staff') statuses.add(403);
    if (spec.params) statuses.add(404);
    const responses: RouteConfig['responses'] = {};
    for (const status of [...statuses].sort()) {
      const declared = spec.responses[status];
      const description = declared?.description ?? STANDARD_ERRORS[status] ?? 'Error';
      const schema = declared?.schema ?? (status >= 400 ? problemSchema : undefined);
      const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
      const headers = status === 429 || status === 503 ? { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } } : undefined;
      responses[status] = { description, ...(schema ? { content: { [mediaType]: { schema } } } : {}), ...(headers ? { headers } : {}) };
    }
    const content: Record<string, { schema: ZodType }> = {};
    if (spec.body) content['application/json'] = { schema: spec.body };
    if (spec.multipart) content['multipart/form-data'] = { schema: spec.multipart };
    this.registry.registerPath({
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
        body: spec.body || spec.multipart ? { required: true, content } : undefined,
      },
      responses,
    });
  }
}

function bodyOf(req: Request, multipartAllowed: boolean): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json') && !(multipartAllowed && req.is('multipart/form-data'))) {
    throw new HttpError(415, `Unsupported media type "${req.headers['content-type'] ?? ''}" in request.`);
  }
  return req.body ?? {};
}

const WHERE_LABEL = { body: 'Invalid input', query: 'Invalid query parameter', header: 'Invalid header' } as const;

/** PostgreSQL text cannot hold U+0000; DRF refuses it with this very message. */
function findNullCharacter(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || 'non_field_errors' : undefined;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = key.includes('\u0000') ? [...path, key].join('.') : findNullCharacter(child, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

function parseInput<T extends ZodType>(schema: T, input: unknown, where: keyof typeof WHERE_LABEL): z.output<T> {
  const withNull = findNullCharacter(input);
  if (withNull) throw ValidationError.field(withNull, 'Null characters are not allowed.');
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = zodFieldErrors(result.error);
  const fields = Object.keys(errors);
  const plural = where !== 'body' && fields.length > 1 ? 's' : '';
  const detail = `${WHERE_LABEL[where]}${plural}${fields.length ? `: ${fields.join(', ')}` : ''}.`;
  throw new ValidationError(detail, errors);
}

// A path parameter that is not a valid id names no resource: 404, as DRF does.
function parseParams<T extends ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new HttpError(404, 'Not found.');
  return result.data;
}
