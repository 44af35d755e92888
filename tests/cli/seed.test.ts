import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { seedDemoData } from '../../src/cli/seed';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { api } from '../support/api';

describe('the demo seed', () => {
  it('fills a catalog of at least 50 products, a few with images, and a staff admin who is a superuser', async () => {
    await seedDemoData({ withAdmin: true });
    const res = await api().get('/api/products/?page_size=100').expect(200);
    expect(res.body.count).toBeGreaterThanOrEqual(50);
    const pictured = res.body.results.filter((p: { image: string | null }) => p.image);
    expect(pictured.length).toBeGreaterThanOrEqual(3);
    for (const product of pictured) {
      const served = await api().get(new URL(product.image).pathname).expect(200);
      expect(served.headers['content-type']).toBe('image/png');
    }
    const login = await api().post('/api/token/').send({ username: config.demoAdmin.username, password: config.demoAdmin.password }).expect(200);
    const me = await api().get('/api/users/me/').set('Authorization', `Bearer ${login.body.access}`).expect(200);
    expect(me.body).toMatchObject({ is_staff: true, is_superuser: true });
  });

  it('creates no demo admin outside development (its password is public)', async () => {
    expect(config.nodeEnv).toBe('test');
    const result = await seedDemoData();
    expect(result.admin).toBe(false);
    expect(await db().user.count()).toBe(0);
    expect(await db().product.count()).toBeGreaterThanOrEqual(50);
  });

  it('adds nothing on a second run', async () => {
    await seedDemoData({ withAdmin: true });
    const products = await db().product.count();
    const images = (await db().product.findMany({ where: { image: { not: null } } })).map((p) => p.image!);
    const second = await seedDemoData({ withAdmin: true });
    expect(second).toEqual({ products: 0, admin: false });
    expect(await db().product.count()).toBe(products);
    expect(await db().user.count()).toBe(1);
    for (const image of images) expect(existsSync(path.join(config.uploads.dir, image))).toBe(true);
  });
});

describe('npm run db:seed in production', () => {
  it('refuses, because the demo admin has a public password, and adds nothing', async () => {
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/seed.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, NODE_ENV: 'production', PUBLIC_URL: 'https://shop.example.com', JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/refused with NODE_ENV=production/);
    expect(await db().user.count()).toBe(0);
    expect(await db().product.count()).toBe(0);
  });
});
