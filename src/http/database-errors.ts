// Which errors mean "the database cannot serve this request now" (a 503 the
// client may retry) rather than a bug (a 500). Prisma 7 with @prisma/adapter-pg
// surfaces the same outage in several shapes, each seen by provoking it
// (tests/http/database-errors.test.ts, tests/http/database-outage.test.ts):
//   - refused: PrismaClientKnownRequestError P1001 (P2010 from $queryRaw), with
//     meta.driverAdapterError.cause.kind "DatabaseNotReachable";
//   - terminated, admin or crash shutdown, starting up: cause.kind "postgres"
//     with SQLSTATE 57P01/57P02/57P03 (P2039 from model queries, P2010 raw);
//   - the socket dropped mid-query, a connect timeout, no pool connection in
//     time: pg's own Error, unwrapped and with no code, told by its message.
import { Prisma } from '../generated/prisma/client';

export type DatabaseTrouble = 'unavailable' | 'busy';

const UNAVAILABLE_PRISMA_CODES = new Set([
  'P1001', // can't reach the server
  'P1002', // reached, but timed out
  'P1008', // socket timeout
  'P1017', // the server closed the connection
  'P2024', // timed out waiting for a pool connection
  'P2037', // too many connections
]);
// A transaction that could not start or finish in time, or lost a deadlock:
// the database is busy, and the same request may well succeed.
const BUSY_PRISMA_CODES = new Set(['P2028', 'P2034']);

const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
// 57P05 idle_session_timeout, 53300 too_many_connections, class 08 connection_exception.
const UNAVAILABLE_SQLSTATES = /^(57P0[1235]|53300|08...)$/;

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

// pg (8.x) and pg-pool raise these as plain Errors without a code.
const PG_CONNECTION_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Query read timeout',
]);

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

export function databaseTrouble(error: unknown): DatabaseTrouble | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError && BUSY_PRISMA_CODES.has(error.code)) return 'busy';
  if (error instanceof Prisma.PrismaClientInitializationError) return 'unavailable';
  return isConnectionFailure(error, 0) ? 'unavailable' : undefined;
}

function isConnectionFailure(error: unknown, depth: number): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (error instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA_CODES.has(error.code)) return true;
  if (typeof e.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(e.kind)) return true;
  // A driver adapter's "postgres" kind, or a raw pg DatabaseError: both carry the SQLSTATE.
  if (code && UNAVAILABLE_SQLSTATES.test(code)) return true;
  if (code && SOCKET_CODES.has(code)) return true;
  if (error instanceof Error && !code && PG_CONNECTION_MESSAGES.has(error.message)) return true;
  return isConnectionFailure(e.meta?.driverAdapterError, depth + 1) || isConnectionFailure(e.cause, depth + 1);
}
