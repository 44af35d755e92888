// SIGTERM drains: the server stops accepting, lets the request in flight
// finish with its real answer, closes the pool and exits 0.
import { db } from '../../src/lib/db';
import { accessTokenFor, buildProduct, buildUser } from '../support/api';
import { connectionsRefused, startServerProcess } from '../support/server-process';
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
