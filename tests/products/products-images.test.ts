import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';
import { gifBytes, jpegBytes, pngBytes, webpBytes } from '../support/images';

const stored = () => readdirSync(config.uploads.dir);
const fileOf = (url: string) => path.join(config.uploads.dir, path.basename(new URL(url).pathname));

async function staff() {
  return (await signedIn({ isStaff: true })).auth;
}

function createWithImage(auth: Record<string, string>, bytes: Buffer, filename: string) {
  return api().post('/api/products/').set(auth)
    .field('name', 'Pictured').field('price', '12.50').field('stock', '3')
    .attach('image', bytes, { filename, contentType: 'application/octet-stream' });
}

describe('product images', () => {
  it.each([
    ['PNG', pngBytes(), 'image/png', '.png'],
    ['JPEG', jpegBytes(), 'image/jpeg', '.jpg'],
    ['WebP', webpBytes(), 'image/webp', '.webp'],
    ['GIF', gifBytes(), 'image/gif', '.gif'],
  ])('accepts a %s by its content and serves it under /media/ with its type', async (_kind, bytes, mime, extension) => {
    const res = await createWithImage(await staff(), bytes, 'upload.bin').expect(201);
    expect(res.body).toMatchObject({ name: 'Pictured', price: '12.50', stock: 3 });
    expect(res.body.image).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/media/[0-9a-f-]{36}\\${extension}$`));

    const served = await api().get(new URL(res.body.image).pathname).expect(200);
    expect(served.headers['content-type']).toBe(mime);
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(served.body, bytes)).toBe(0);
  });

  it('decides by content, not name: a text file named .png is refused and nothing is stored', async () => {
    const before = stored().length;
    const res = await createWithImage(await staff(), Buffer.from('just some text, not an image'), 'photo.png').expect(400);
    expect(res.body.errors.image).toBeDefined();
    expect(stored()).toHaveLength(before);
    expect(await db().product.count()).toBe(0);
  });

  it('answers 413 for a file over the size limit and stores nothing', async () => {
    const before = stored().length;
    const big = Buffer.concat([pngBytes(), Buffer.alloc(config.uploads.maxBytes)]);
    const res = await createWithImage(await staff(), big, 'big.png');
    expect(res.status).toBe(413);
    expect(stored()).toHaveLength(before);
    expect(await db().product.count()).toBe(0);
  });

  it('stores no file when the rest of the form is invalid', async () => {
    const before = stored().length;
    await api().post('/api/products/').set(await staff()).field('name', '').field('price', '-1').attach('image', pngBytes(), 'ok.png').expect(400);
    expect(stored()).toHaveLength(before);
  });

  it('stores no file when the product does not exist', async () => {
    const before = stored().length;
    await api().patch('/api/products/987654/').set(await staff()).attach('image', pngBytes(), 'ok.png').expect(404);
    expect(stored()).toHaveLength(before);
  });

  it('refuses a file under another field name, and anonymous uploads, storing nothing', async () => {
    const before = stored().length;
    await api().post('/api/products/').set(await staff()).field('name', 'x').field('price', '1').attach('picture', pngBytes(), 'a.png').expect(400);
    await api().post('/api/products/').field('name', 'x').field('price', '1').attach('image', pngBytes(), 'a.png').expect(401);
    expect(stored()).toHaveLength(before);
  });

  it('removes the old file when the image is replaced, cleared, or the product deleted', async () => {
    const auth = await staff();
    const created = (await createWithImage(auth, pngBytes(), 'a.png').expect(201)).body;
    const first = fileOf(created.image);
    expect(existsSync(first)).toBe(true);

    const replaced = (await api().patch(`/api/products/${created.id}/`).set(auth).attach('image', jpegBytes(), 'b.jpg').expect(200)).body;
    expect(existsSync(first)).toBe(false);
    const second = fileOf(replaced.image);
    expect(existsSync(second)).toBe(true);

    const cleared = (await api().patch(`/api/products/${created.id}/`).set(auth).send({ image: null }).expect(200)).body;
    expect(cleared.image).toBeNull();
    expect(existsSync(second)).toBe(false);

    const again = (await api().put(`/api/products/${created.id}/`).set(auth)
      .field('name', 'Again').field('price', '3.00').field('stock', '1').attach('image', gifBytes(), 'c.gif').expect(200)).body;
    const third = fileOf(again.image);
    await api().delete(`/api/products/${created.id}/`).set(auth).expect(204);
    expect(existsSync(third)).toBe(false);
  });

  it('keeps the image when a PATCH does not mention it', async () => {
    const auth = await staff();
    const created = (await createWithImage(auth, pngBytes(), 'a.png').expect(201)).body;
    const res = await api().patch(`/api/products/${created.id}/`).set(auth).send({ stock: 9 }).expect(200);
    expect(new URL(res.body.image).pathname).toBe(new URL(created.image).pathname);
    expect(existsSync(fileOf(created.image))).toBe(true);
  });
});

describe('/media/ serves uploads and nothing else', () => {
  it.each([
    '/media/../package.json',
    '/media/%2e%2e/package.json',
    '/media/..%2fpackage.json',
    '/media/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/media/....//....//etc/passwd',
    '/media/.env',
    '/media/',
    '/media/does-not-exist.png',
  ])('answers %s with a JSON 404', async (url) => {
    const res = await api().get(url);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.text).not.toMatch(/"name": "shop-api"|root:/);
  });

  it('does not accept writes', async () => {
    await buildProduct();
    const res = await api().put('/media/x.png').send('data');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
