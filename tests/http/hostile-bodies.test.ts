// Hostile bodies get a 4xx quickly and cost the server little: nesting is
// refused on the raw bytes before any parse or walk, bodies are small where
// the data is small, and an error body never grows with the input.
import { findNullCharacter } from '../../src/http/null-characters';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/http/json-body';
import { api, signedIn } from '../support/api';

const nested = (levels: number, inner = '0') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
const sendJson = (path: string, text: string) => api().post(path).set('Content-Type', 'application/json').send(text);

describe('deeply nested JSON', () => {
  it(`is a 400 from the depth check past ${MAX_JSON_DEPTH} levels, before JSON.parse ever sees it`, async () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const body = `{"token": ${nested(MAX_JSON_DEPTH)}}`; // the object is level 1: 33 in all
      const res = await sendJson('/api/token/verify/', body).expect(400);
      expect(res.body).toMatchObject({ code: 'json_too_deep', detail: expect.stringContaining('32 levels') });
      expect(parse.mock.calls.some(([text]) => text === body)).toBe(false);
    } finally {
      parse.mockRestore();
    }
  });

  it('answers 6,000 levels (the stack-overflow attack) with the same 400, not a 500', async () => {
    const res = await sendJson('/api/token/verify/', `{"token": ${nested(6_000)}}`).expect(400);
    expect(res.body.code).toBe('json_too_deep');
  });

  it('accepts 32 levels and lets the schema judge them', async () => {
    const res = await sendJson('/api/token/verify/', `{"token": ${nested(MAX_JSON_DEPTH - 1)}}`).expect(400);
    expect(res.body.code).toBe('invalid');
    expect(res.body.errors.token).toBeDefined();
  });

  it('does not count brackets inside strings', async () => {
    const res = await sendJson('/api/token/verify/', JSON.stringify({ token: '[{'.repeat(100) })).expect(401);
    expect(res.body.code).toBe('token_not_valid');
    expect(nestsDeeperThan(Buffer.from(JSON.stringify({ a: '\\"[[[[' })), 1)).toBe(false);
  });

  it('walks a deep structure without recursion, one pass, finding a NUL at any depth', () => {
    let value: unknown = 'a\u0000b';
    for (let i = 0; i < 100_000; i += 1) value = { n: value };
    expect(findNullCharacter(value)).toMatch(/^n\.n\.n/);
  });
});

describe('body size limits', () => {
  it('refuses the 600 KB verify attack at the door: auth bodies are 16 KB at most', async () => {
    const attack = `{"token":${'['.repeat(2_000)}${'0,'.repeat(300_000)}0${']'.repeat(2_000)}}`;
    const res = await sendJson('/api/token/verify/', attack).expect(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    await sendJson('/api/token/', JSON.stringify({ username: 'u', password: 'x'.repeat(17 * 1024) })).expect(413);
  });

  it('gives product writes room for a 5,000-character description', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const description = '\u00e9'.repeat(5_000); // sent escaped: 30 KB of JSON
    const body = `{"name":"Long","price":"1.00","stock":1,"description":${JSON.stringify(description).replace(/\u00e9/g, '\\u00e9')}}`;
    expect(body.length).toBeGreaterThan(16 * 1024);
    const res = await api().post('/api/products/').set(auth).set('Content-Type', 'application/json').send(body).expect(201);
    expect(res.body.description).toBe(description);
  });

  it('refuses JSON in a charset other than UTF-8 with 415', async () => {
    const res = await api()
      .post('/api/token/verify/')
      .set('Content-Type', 'application/json; charset=utf-16le')
      .send(Buffer.from('{"token":"x"}', 'utf16le'))
      .expect(415);
    expect(res.body.detail).toMatch(/UTF-8/);
  });
});

describe('error bodies do not grow with the input', () => {
  it('list at most 20 unknown fields, with long names cut short', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const body: Record<string, number> = { name: 1 };
    for (let i = 0; i < 3_000; i += 1) body[`k${i}`] = i;
    body['x'.repeat(5_000)] = 1;
    const res = await api().post('/api/products/').set(auth).set('Content-Type', 'application/json').send(JSON.stringify(body)).expect(400);
    expect(Object.keys(res.body.errors).length).toBeLessThanOrEqual(20);
    expect(res.text.length).toBeLessThan(3_000);
    expect(Object.keys(res.body.errors).every((field) => field.length <= 101)).toBe(true);
  });
});

describe('caching and content security headers', () => {
  it('send Cache-Control: no-store on tokens, users, cart and orders, errors included', async () => {
    const { user, auth } = await signedIn();
    const token = await api().post('/api/token/').send({ username: user.username, password: user.password }).expect(200);
    expect(token.headers['cache-control']).toBe('no-store');
    for (const path of ['/api/users/me/', '/api/cart/', '/api/cart/summary/', '/api/orders/', '/api/orders/my-orders/']) {
      expect((await api().get(path).set(auth).expect(200)).headers['cache-control']).toBe('no-store');
      expect((await api().get(path).expect(401)).headers['cache-control']).toBe('no-store');
    }
    expect((await api().get('/api/products/').expect(200)).headers['cache-control']).toBeUndefined();
  });

  it("never allows inline scripts, API and Swagger UI alike", async () => {
    for (const path of ['/api/products/', '/docs/', '/health']) {
      const csp = (await api().get(path)).headers['content-security-policy'] as string;
      const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
      expect(scriptSrc).toBe("script-src 'self'");
    }
  });
});
