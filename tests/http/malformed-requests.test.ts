// Requests that fail inside Express's own machinery (the router decoding a
// path, body-parser inflating a body, the static file server) answer the 4xx
// those errors carry, as problem+json with a detail that reveals nothing of
// the error's internals; never a 500.
import express from 'express';
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { errorHandler } from '../../src/http/error-handler';
import { api, buildProduct } from '../support/api';
import { document } from '../support/contract';

const BAD_ENCODING = '%E0%A4%A'; // a truncated UTF-8 sequence: decodeURIComponent throws

const withPathParams = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  ['get', 'post', 'put', 'patch', 'delete']
    .filter((method) => method in (item as object) && path.includes('{') && path.startsWith('/api/'))
    .map((method) => ({ method, path })),
);

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, detail: expect.any(String) });
}

describe('a path that is not valid percent-encoding', () => {
  it('answers 400 on an API path with an id, without echoing the path or the decoder', async () => {
    await buildProduct();
    const res = await api().get(`/api/products/${BAD_ENCODING}/`);
    expectProblem(res, 400);
    expect(res.body.detail).toBe('Bad Request.');
    expect(res.text).not.toContain(BAD_ENCODING);
    expect(res.text).not.toMatch(/decode|URIError/i);
  });

  it.each(withPathParams)('answers 400 for $method $path, before authentication', async ({ method, path }) => {
    const url = path.replace(/\{[^}]+\}/, BAD_ENCODING);
    const res = await (api() as unknown as Record<string, (u: string) => request.Test>)[method]!(url);
    expectProblem(res, 400);
  });

  it('answers 404 under /media/, where no such file can exist', async () => {
    expectProblem(await api().get(`/media/${BAD_ENCODING}.png`), 404);
    expectProblem(await api().get(`/media/${BAD_ENCODING}`), 404);
  });

  it('answers 404 on an unknown path', async () => {
    expectProblem(await api().get(`/nowhere/${BAD_ENCODING}`), 404);
    expectProblem(await api().get(`/api/nowhere/${BAD_ENCODING}/`), 404);
  });
});

describe('a body that cannot be read', () => {
  it('answers 400 when a gzip Content-Encoding does not hold gzip', async () => {
    const res = await api()
      .post('/api/token/')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"username": "not gzip at all"}');
    expectProblem(res, 400);
  });

  it('still reads a body that really is gzip', async () => {
    const res = await api()
      .post('/api/token/')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((body) => body) // as is: superagent would JSON-encode a Buffer
      .send(gzipSync(JSON.stringify({ username: 'nobody', password: 'wrong-password' })));
    expectProblem(res, 401);
  });
});

describe('the error handler, for any error that carries a 4xx status', () => {
  // A bare app: these errors stand for whatever middleware may raise them.
  function answering(error: Error) {
    const app = express();
    app.get('/', () => {
      throw error;
    });
    app.use(errorHandler);
    return request(app).get('/');
  }

  it('answers that status with its generic text, not the internal message', async () => {
    const res = await answering(Object.assign(new Error('secret internals at /srv/app'), { statusCode: 422 }));
    expectProblem(res, 422);
    expect(res.body.detail).toBe('Unprocessable Entity.');
  });

  it('shows the message only when the error marks it as safe to expose', async () => {
    const res = await answering(Object.assign(new Error('Range not satisfiable here.'), { status: 416, expose: true }));
    expectProblem(res, 416);
    expect(res.body.detail).toBe('Range not satisfiable here.');
  });

  it('keeps a 5xx status-carrying error a plain 500', async () => {
    const res = await answering(Object.assign(new Error('stream.not.readable'), { status: 500 }));
    expectProblem(res, 500);
    expect(res.body.detail).toBe('A server error occurred.');
  });
});
