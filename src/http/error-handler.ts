// The one place where errors become HTTP answers. Anything unrecognised is a
// bare 500 whose details go to the log (with the request id), never the client.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { STATUS_CODES } from 'node:http';
import { Prisma } from '../generated/prisma/client';
import {
  AuthenticationError,
  ConflictError,
  DomainError,
  IdempotencyMismatchError,
  StaleVersionError,
  ServerBusyError,
  ThrottledError,
  UnavailableError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '../lib/errors';
import { databaseTrouble } from './database-errors';
import { HttpError } from './errors';
import { sendProblem } from './problem';

function statusOf(error: DomainError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof PermissionDeniedError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof IdempotencyMismatchError) return 422;
  if (error instanceof StaleVersionError) return 412;
  if (error instanceof ThrottledError) return 429;
  if (error instanceof ServerBusyError || error instanceof UnavailableError) return 503;
  return 400;
}

// body-parser's error types, which carry their own status.
const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'JSON parse error: the request body is not valid JSON.'],
  'entity.too.large': [413, 'The request body is too large.'],
  'encoding.unsupported': [415, 'Unsupported content encoding.'],
  'charset.unsupported': [415, 'Unsupported charset.'],
  'request.aborted': [400, 'The request was aborted.'],
  'entity.verify.failed': [400, 'The request body could not be verified.'],
  'request.size.invalid': [400, 'The request size did not match Content-Length.'],
  'parameters.too.many': [413, 'Too many parameters.'],
};

export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) {
    req.log?.error({ err: error }, 'error after the response started');
    res.destroy();
    return;
  }
  if (error instanceof DomainError) {
    if (error instanceof AuthenticationError) res.setHeader('WWW-Authenticate', 'Bearer realm="api"');
    if (error instanceof ThrottledError || error instanceof ServerBusyError || error instanceof UnavailableError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    return sendProblem(res, statusOf(error), error.message, { code: error.code, ...error.extra });
  }
  if (error instanceof HttpError) {
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    return sendProblem(res, error.status, error.message, error.extra);
  }
  const bodyError = typeof error?.type === 'string' ? BODY_PARSER_ERRORS[error.type] : undefined;
  if (bodyError) return sendProblem(res, bodyError[0], bodyError[1]);

  // Anything else carrying a 4xx status (the router's URIError for a path that
  // is not valid percent-encoding, http-errors from other middleware) is the
  // client's mistake. Its message is internal unless the error says otherwise.
  const status = Number(error?.status ?? error?.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return sendProblem(res, status, error?.expose === true ? String(error.message) : `${STATUS_CODES[status] ?? 'Bad Request'}.`);
  }

  const known = prismaProblem(error);
  if (known) return sendProblem(res, known[0], known[1]);

  const trouble = databaseTrouble(error);
  if (trouble) {
    req.log?.warn({ err: error }, trouble === 'busy' ? 'database busy' : 'database unavailable');
    res.setHeader('Retry-After', trouble === 'busy' ? '1' : '5');
    return trouble === 'busy'
      ? sendProblem(res, 503, 'The server is busy; please retry.', { code: 'server_busy' })
      : sendProblem(res, 503, 'The service is temporarily unavailable; please retry.', { code: 'service_unavailable' });
  }

  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, 500, 'A server error occurred.');
};

// Constraint violations that slipped past a service's own checks are still the
// client's conflict, not our crash.
function prismaProblem(error: unknown): [number, string] | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  if (error.code === 'P2002') return [409, 'A record with these values already exists.'];
  if (error.code === 'P2025') return [404, 'Not found.'];
  if (error.code === 'P2003') return [409, 'A related record does not exist or is still referenced.'];
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, res) => sendProblem(res, 404, 'Not found.');
