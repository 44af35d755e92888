// Each way a database failure reaches us through Prisma 7 + @prisma/adapter-pg,
// provoked for real (a closed port, a silent or hostile server, a full pool,
// a terminated backend), then classified and answered 503 by the error handler.
// If an upgrade changes how one surfaces, its test says which.
import { createServer, type Server, type Socket } from 'node:net';
import express from 'express';
import request from 'supertest';
import { PrismaPg } from '@prisma/adapter-pg';
import { config } from '../../src/config';
import { Prisma, PrismaClient } from '../../src/generated/prisma/client';
import { databaseTrouble } from '../../src/http/database-errors';
import { errorHandler } from '../../src/http/error-handler';
import { findFreePort } from '../../src/lib/database/embedded';
import { db } from '../../src/lib/db';
import { terminateBackendRunning } from '../support/terminate-backend';

const clients: PrismaClient[] = [];
function client(url: string, pool: { max?: number; connectionTimeoutMillis?: number } = {}): PrismaClient {
  const made = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: pool.max ?? 2, connectionTimeoutMillis: pool.connectionTimeoutMillis ?? 500 }) });
  clients.push(made);
  return made;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
async function fakeServer(onConnection: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => (sockets.push(socket), onConnection(socket)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `postgresql://postgres@127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/shop`;
}

/** A PostgreSQL ErrorResponse, as a server sends it when it refuses a session. */
function errorResponse(sqlstate: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the database call to fail');
}

async function expect503(error: unknown, code: string) {
  const app = express();
  app.get('/', () => {
    throw error;
  });
  app.use(errorHandler);
  const res = await request(app).get('/');
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 503, code });
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect().catch(() => undefined)));
  sockets.forEach((socket) => socket.destroy());
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('a database that refuses connections', () => {
  it('surfaces as P1001 (P2010 from raw SQL) with cause DatabaseNotReachable, and answers 503', async () => {
    const prisma = client(`postgresql://postgres@127.0.0.1:${await findFreePort()}/shop`);
    const model = await failure(() => prisma.product.findMany());
    const raw = await failure(() => prisma.$queryRaw`SELECT 1`);
    const transaction = await failure(() => prisma.$transaction((tx) => tx.product.findMany()));

    expect(model).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(model).toMatchObject({ code: 'P1001', meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } });
    expect(raw).toMatchObject({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } });
    expect(transaction).toMatchObject({ code: 'P1001' });
    for (const error of [model, raw, transaction]) expect(databaseTrouble(error)).toBe('unavailable');
    await expect503(model, 'service_unavailable');
  });
});

describe('a server that accepts the connection but never answers', () => {
  it("surfaces as pg's own Error \"Connection terminated due to connection timeout\", and answers 503", async () => {
    const prisma = client(await fakeServer(() => undefined), { connectionTimeoutMillis: 200 });
    const error = await failure(() => prisma.product.findMany());

    expect(error).not.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Error).message).toBe('Connection terminated due to connection timeout');
    expect(databaseTrouble(error)).toBe('unavailable');
    await expect503(error, 'service_unavailable');
  });
});

describe('a server that drops the connection', () => {
  it("surfaces as pg's own Error \"Connection terminated unexpectedly\", and answers 503", async () => {
    const prisma = client(await fakeServer((socket) => socket.once('data', () => socket.destroy())));
    const error = await failure(() => prisma.product.findMany());

    expect((error as Error).message).toBe('Connection terminated unexpectedly');
    expect(databaseTrouble(error)).toBe('unavailable');
  });
});

describe('a server that is starting up, or restarting after a crash', () => {
  it.each([
    ['57P03', 'the database system is starting up'],
    ['57P03', 'the database system is in recovery mode'],
    ['57P02', 'terminating connection because of crash of another server process'],
  ])('surfaces SQLSTATE %s (%s) as P2039 with cause kind "postgres", and answers 503', async (sqlstate, message) => {
    const prisma = client(await fakeServer((socket) => socket.once('data', () => socket.end(errorResponse(sqlstate, message)))));
    const error = await failure(() => prisma.product.findMany());

    expect(error).toMatchObject({ code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'postgres', code: sqlstate } } } });
    expect(databaseTrouble(error)).toBe('unavailable');
    await expect503(error, 'service_unavailable');
  });
});

describe('a backend terminated by an administrator (or a fast shutdown)', () => {
  it('surfaces SQLSTATE 57P01 with cause kind "postgres", and answers 503', async () => {
    const prisma = client(config.database.url!, { max: 1 });
    // Terminated while its query runs: an idle connection may be noticed as
    // closed and replaced before the next query, which would then succeed.
    const running = failure(() => prisma.$queryRaw`SELECT pg_sleep(30) AS prisma_awaiting_termination`);
    await terminateBackendRunning('prisma_awaiting_termination');
    const error = await running;

    expect(error).toMatchObject({ meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } } });
    expect(databaseTrouble(error)).toBe('unavailable');
    await expect503(error, 'service_unavailable');
    await expect(prisma.product.findMany()).resolves.toEqual([]); // the pool opened a new connection
  });
});

describe('a pool with no free connection in time', () => {
  async function busyPool() {
    const prisma = client(config.database.url!, { max: 1, connectionTimeoutMillis: 300 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const transaction = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      started();
      await held;
    });
    await holding;
    return { prisma, done: async () => (release(), transaction) };
  }

  it("surfaces as pg-pool's own Error \"timeout exceeded when trying to connect\", and answers 503", async () => {
    const { prisma, done } = await busyPool();
    const error = await failure(() => prisma.product.findMany());
    await done();

    expect((error as Error).message).toBe('timeout exceeded when trying to connect');
    expect(databaseTrouble(error)).toBe('unavailable');
    await expect503(error, 'service_unavailable');
  });

  it("surfaces as P2028 when a transaction's maxWait ends first, and answers 503 busy", async () => {
    const { prisma, done } = await busyPool();
    const error = await failure(() => prisma.$transaction((tx) => tx.product.findMany(), { maxWait: 50 }));
    await done();

    expect(error).toMatchObject({ code: 'P2028' });
    expect(databaseTrouble(error)).toBe('busy');
    await expect503(error, 'server_busy');
  });
});

describe('errors that are not an outage', () => {
  it('leaves a unique violation, a cancelled statement and an ordinary bug alone', async () => {
    await db().user.create({ data: { username: 'twin', email: 'twin@example.com', passwordHash: 'x' } });
    const unique = await failure(() => db().user.create({ data: { username: 'twin', email: 'twin2@example.com', passwordHash: 'x' } }));
    const cancelled = await failure(() => db().$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL statement_timeout = 1`;
      await tx.$queryRaw`SELECT 1 AS one FROM pg_sleep(1)`;
    }));

    expect(unique).toMatchObject({ code: 'P2002' });
    expect(cancelled).toMatchObject({ meta: { driverAdapterError: { cause: { code: '57014' } } } });
    for (const error of [unique, cancelled, new TypeError('x is undefined'), new Error('Connection terminated by a typo')]) {
      expect(databaseTrouble(error)).toBeUndefined();
    }
  });
});
