// The precomputed security headers are exactly what helmet itself would set.
import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { HELMET_OPTIONS } from '../../src/app';
import { api } from '../support/api';

describe('security headers', () => {
  it('are the very headers helmet sets with our options, on every response', async () => {
    const reference = express().use(helmet(HELMET_OPTIONS)).get('/', (_req, res) => res.json({}));
    const expected = (await request(reference).get('/')).headers;
    const names = Object.keys(expected).filter((name) => !['content-type', 'content-length', 'etag', 'date', 'connection', 'keep-alive'].includes(name));
    expect(names.length).toBeGreaterThan(8);
    for (const path of ['/health', '/api/products/', '/no-such-page']) {
      const actual = (await api().get(path)).headers;
      for (const name of names) expect({ path, name, value: actual[name] }).toEqual({ path, name, value: expected[name] });
      expect(actual['x-powered-by']).toBeUndefined();
    }
  });
});
