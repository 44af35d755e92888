// While the database cannot be reached, an admin page says so with a 503 and
// Retry-After, as the API does, instead of a 500 "something went wrong".
import { PrismaPg } from '@prisma/adapter-pg';
import express from 'express';
import request from 'supertest';
import { adminErrors } from '../../src/admin/admin.router';
import { PrismaClient } from '../../src/generated/prisma/client';
import { findFreePort } from '../../src/lib/database/embedded';

describe('an admin page during a database outage', () => {
  it('answers a 503 page with Retry-After, not a 500', async () => {
    const port = await findFreePort(); // nothing listens there
    const unreachable = new PrismaClient({ adapter: new PrismaPg({ connectionString: `postgresql://postgres@127.0.0.1:${port}/shop`, connectionTimeoutMillis: 500 }) });
    const error = await unreachable.product.findMany().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    await unreachable.$disconnect();
    expect(error).toBeDefined();

    const page = express()
      .get('/admin/', () => {
        throw error;
      })
      .use(adminErrors);
    const res = await request(page).get('/admin/').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('cannot reach its database');
  });
});
