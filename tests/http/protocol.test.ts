import request from 'supertest';
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { api, buildProduct, signedIn } from '../support/api';
import { contractChecked } from '../support/contract';

describe('HTTP behaviour every client relies on', () => {
  it('answers an unknown route with a 404 problem document', async () => {
    const res = await api().get('/api/nope/').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, title: 'Not Found', detail: 'Not found.' });
  });

  it('sends JSON with its charset and exact byte length, and HEAD the same headers without a body', async () => {
    // Past 1,000 characters and outside ASCII: where a character count and the byte count differ.
    const product = await buildProduct({ name: 'Crème brûlée ☕', description: 'Déjà vu. '.repeat(150) });
    for (const path of [`/api/products/${product.id}/`, '/api/products/', '/api/categories/']) {
      const get = await api().get(path).expect(200);
      expect(get.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(get.headers['content-length'])).toBe(Buffer.byteLength(get.text));
      const head = await api().head(path).expect(200);
      expect(head.text ?? '').toBe('');
      expect({ type: head.headers['content-type'], length: head.headers['content-length'] })
        .toEqual({ type: get.headers['content-type'], length: get.headers['content-length'] });
    }
    const detail = `/api/products/${product.id}/`;
    expect((await api().head(detail)).headers.etag).toBe((await api().get(detail)).headers.etag);
    expect(JSON.parse((await api().get(detail)).text)).toMatchObject({ name: 'Crème brûlée ☕' });
  });

  it('answers 405 with Allow for a known path and an unknown method', async () => {
    const res = await api().delete('/api/token/').expect(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.detail).toBe('Method not allowed.');
  });

  it('answers 405, not 404, for a wrong method on a fixed path beside an /{id}/ one', async () => {
    const { auth } = await signedIn();
    const checkout = await api().get('/api/orders/checkout/').set(auth).expect(405);
    expect(checkout.headers.allow).toBe('POST');
    expect((await api().get('/api/orders/create/').set(auth).expect(405)).headers.allow).toBe('POST');
    expect((await api().put('/api/cart/summary/').set(auth).expect(405)).headers.allow).toBe('GET');
  });

  it('refuses a malformed Host header instead of copying it into links', async () => {
    await buildProduct();
    const res = await api().get('/api/products/').set('Host', 'evil.example/<script>').expect(400);
    expect(res.body.detail).toBe('Invalid Host header.');
  });

  it('answers malformed JSON with 400 and no stack trace', async () => {
    const res = await api().post('/api/token/').set('Content-Type', 'application/json').send('{"username": ').expect(400);
    expect(res.body.detail).toMatch(/JSON parse error/);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|SyntaxError|node_modules/);
  });

  it('answers a body over 1 MB with 413', async () => {
    const res = await api().post('/api/token/').set('Content-Type', 'application/json').send(JSON.stringify({ username: 'x'.repeat(1_100_000), password: 'y' })).expect(413);
    expect(res.body.status).toBe(413);
  });

  it('answers a form or text body on a JSON route with 415', async () => {
    await api().post('/api/token/').set('Content-Type', 'text/plain').send('username=a&password=b').expect(415);
    await api().post('/api/token/').type('form').send({ username: 'a', password: 'b' }).expect(415);
  });

  it('answers a JSON body that is not an object with 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await api().post('/api/token/').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
    }
  });

  it('sets security headers and hides the framework', async () => {
    const res = await api().get('/health').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('gives every response a request id, echoing a sane incoming one', async () => {
    const generated = await api().get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await api().get('/health').set('x-request-id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const refused = await api().get('/health').set('x-request-id', '<script>');
    expect(refused.headers['x-request-id']).not.toBe('<script>');
  });

  it('allows the Angular dev origin and no other', async () => {
    const allowed = await api().options('/api/products/').set('Origin', 'http://localhost:4200').set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:4200');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await api().get('/health').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('reports liveness and readiness', async () => {
    expect((await api().get('/health').expect(200)).body).toEqual({ status: 'ok' });
    expect((await api().get('/ready').expect(200)).body).toEqual({ status: 'ready' });
  });

  it('serves the OpenAPI 3.1 document and Swagger UI with bearer auth', async () => {
    const doc = (await api().get('/openapi.json').expect(200)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ['/api/token/', '/api/token/refresh/', '/api/token/verify/', '/api/token/blacklist/', '/api/users/register/', '/api/users/me/', '/api/users/', '/api/users/{id}/']) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.paths['/api/users/me/'].get.security).toEqual([{ bearerAuth: [] }]);
    const page = await api().get('/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});

describe('rate limiting of the credential endpoints', () => {
  const limited = contractChecked(createApp({ config: { ...config, auth: { ...config.auth, rateLimitPerMinute: 3 } } }));

  it('answers 429 with Retry-After once an IP passes the per-minute budget', async () => {
    const attempt = () => request(limited).post('/api/token/').send({ username: 'nobody', password: 'wrong-password' });
    for (let i = 0; i < 3; i += 1) expect((await attempt()).status).toBe(401);
    const res = await attempt();
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/throttled/);
  });

  it.each([
    ['register', '/api/users/register/', { username: 'x', email: 'not-an-email', password: 'short' }],
    ['refresh', '/api/token/refresh/', { refresh: 'not-a-token' }],
  ])('limits %s the same way', async (_name, path, body) => {
    const app = contractChecked(createApp({ config: { ...config, auth: { ...config.auth, rateLimitPerMinute: 2 } } }));
    for (let i = 0; i < 2; i += 1) expect((await request(app).post(path).send(body)).status).not.toBe(429);
    const res = await request(app).post(path).send(body);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('does not limit ordinary API use', async () => {
    const { auth } = await signedIn();
    for (let i = 0; i < 5; i += 1) await request(limited).get('/api/users/me/').set(auth).expect(200);
  });
});
