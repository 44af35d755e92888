// SIGTERM drains: the server stops accepting, lets the request in flight
// finish with its real answer, closes the pool and exits 0.
import http from 'node:http';
import { db } from '../../src/lib/db';
import { accessTokenFor, buildProduct, buildUser } from '../support/api';
import { connectionsRefused, drainStarted, startServerProcess } from '../support/server-process';
import { buildCartLine, holdProductLock, waitForLockWaiters } from '../support/shop';

describe('graceful shutdown', () => {
  it('finishes a checkout that is in flight at SIGTERM, then refuses new connections and exits 0', async () => {
    const server = await startServerProcess();
    const user = await buildUser();
    const product = await buildProduct({ stock: 3 });
    await buildCartLine(user.id, product.id);
    const lock = await holdProductLock(product.id);
    try {
      const access = await accessTokenFor(user.id);
      const inFlight = fetch(`${server.url}/api/orders/checkout/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${access}` },
      });
      await waitForLockWaiters(1); // the checkout is inside its transaction, waiting for the product
      server.signal('SIGTERM');
      await connectionsRefused(server);

      await lock.release();
      const response = await inFlight;
      expect(response.status).toBe(201);
      expect(await server.exited).toBe(0);
      expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(2);
    } finally {
      await lock.release();
      await server.stop();
    }
  });
});

/** Status and raw `Connection` header of one request (fetch does not promise to show hop-by-hop headers). */
function send(url: string, options: http.RequestOptions = {}): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .request(url, options, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      })
      .on('error', reject)
      .end();
  });
}

describe('draining', () => {
  it('sends Connection: close on every answer once SIGTERM starts the drain, the one in flight included', async () => {
    const server = await startServerProcess({ env: { SHUTDOWN_DRAIN_SECONDS: '3' } });
    const user = await buildUser();
    const product = await buildProduct({ stock: 3 });
    await buildCartLine(user.id, product.id);
    const lock = await holdProductLock(product.id);
    try {
      expect(await send(`${server.url}/api/products/${product.id}/`)).toEqual({ status: 200, connection: 'keep-alive' });
      const access = await accessTokenFor(user.id);
      const inFlight = send(`${server.url}/api/orders/checkout/`, { method: 'POST', headers: { Authorization: `Bearer ${access}` } });
      await waitForLockWaiters(1);
      server.signal('SIGTERM');
      await drainStarted(server);

      expect(await send(`${server.url}/api/products/${product.id}/`)).toEqual({ status: 200, connection: 'close' });
      await lock.release();
      expect(await inFlight).toEqual({ status: 201, connection: 'close' });
      expect(await server.exited).toBe(0);
    } finally {
      await lock.release();
      await server.stop();
    }
  });
});

describe('readiness', () => {
  it('answers /ready 503 (and /health 200) when the database does not answer', async () => {
    const server = await startServerProcess({
      env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' },
      readyPath: '/health',
    });
    try {
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
