// The server src/server.ts listens with: node:http builds requests and
// responses from the app's own prototypes, so Express never re-parents them,
// and the app answers through it exactly as through a plain node:http server.
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express from 'express';
import { createApp } from '../../src/app';
import { createHttpServer } from '../../src/http/http-server';
import { api, buildProduct } from '../support/api';

async function listening(server: http.Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const COMPARED = ['x-request-id', 'content-type', 'content-length', 'etag', 'content-security-policy', 'x-content-type-options', 'vary', 'cache-control', 'allow'];
const headersOf = (headers: Headers | Record<string, unknown>) =>
  Object.fromEntries(COMPARED.map((name) => [name, headers instanceof Headers ? headers.get(name) ?? undefined : headers[name]]));

describe('the HTTP server', () => {
  it('builds each request and response from the app’s own prototypes, before Express sees them', async () => {
    const app = express();
    app.get('/probe', (req, res) => res.json({ header: req.get('x-probe') }));
    const server = createHttpServer(app);
    const arrived: { request: boolean; response: boolean }[] = [];
    // Runs before the app: what node:http built, not what Express made of it.
    server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      arrived.push({
        request: Object.getPrototypeOf(req) === app.request && req instanceof http.IncomingMessage,
        response: Object.getPrototypeOf(res) === app.response && res instanceof http.ServerResponse,
      });
    });
    const running = await listening(server);
    try {
      const answer = await fetch(`${running.url}/probe`, { headers: { 'x-probe': 'seen' } });
      expect(await answer.json()).toEqual({ header: 'seen' });
      expect(arrived).toEqual([{ request: true, response: true }]);
    } finally {
      await running.close();
    }
  });

  it('answers the shop’s routes as a plain node:http server does', async () => {
    const product = await buildProduct({ name: 'Kettle' });
    const running = await listening(createHttpServer(createApp()));
    try {
      const cases: { method: string; path: string; body?: string }[] = [
        { method: 'GET', path: `/api/products/${product.id}/` },
        { method: 'HEAD', path: `/api/products/${product.id}/` },
        { method: 'GET', path: '/api/products/999999/' },
        { method: 'DELETE', path: '/api/token/' },
        { method: 'POST', path: '/api/token/', body: '{"username": "nobody", "password": "wrong-password"}' },
        { method: 'POST', path: '/api/token/', body: '{"username": ' },
        { method: 'GET', path: '/api/cart/' },
      ];
      for (const [i, { method, path, body }] of cases.entries()) {
        // The same request id, so problem documents (which carry it) can be compared whole.
        const headers = { 'x-request-id': `compare-${i}`, ...(body ? { 'Content-Type': 'application/json' } : {}) };
        const ours = await fetch(running.url + path, { method, body, headers });
        const plain = await api()[method.toLowerCase() as 'get'](path).set(headers).send(body);
        const text = await ours.text();
        expect({ path, method, status: ours.status, headers: headersOf(ours.headers), body: text })
          .toEqual({ path, method, status: plain.status, headers: headersOf(plain.headers), body: method === 'HEAD' ? '' : plain.text });
      }
    } finally {
      await running.close();
    }
  });
});
