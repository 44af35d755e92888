import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';

describe('conditional GET of one product', () => {
  it('answers 304 without a body when If-None-Match names the current ETag, strong or weak', async () => {
    const product = await buildProduct();
    const first = await api().get(`/api/products/${product.id}/`).expect(200);
    const etag = first.headers.etag!;

    const again = await api().get(`/api/products/${product.id}/`).set('If-None-Match', etag).expect(304);
    expect(again.text ?? '').toBe('');
    expect(again.headers.etag).toBe(etag);
    await api().get(`/api/products/${product.id}/`).set('If-None-Match', `W/${etag}`).expect(304);
    await api().get(`/api/products/${product.id}/`).set('If-None-Match', `"other", ${etag}`).expect(304);
    await api().get(`/api/products/${product.id}/`).set('If-None-Match', '*').expect(304);
  });

  it('answers 200 with the product when If-None-Match names another version', async () => {
    const product = await buildProduct({ name: 'Mug' });
    const res = await api().get(`/api/products/${product.id}/`).set('If-None-Match', '"1-1", W/"abc"').expect(200);
    expect(res.body.name).toBe('Mug');
  });

  it('answers 200 with a new ETag after a write, and that ETag is still good for If-Match', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 5 });
    const before = (await api().get(`/api/products/${product.id}/`).expect(200)).headers.etag!;
    await new Promise((resolve) => setTimeout(resolve, 5)); // versions are milliseconds

    const written = await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: 4 }).expect(200);

    const after = await api().get(`/api/products/${product.id}/`).set('If-None-Match', before).expect(200);
    expect(after.body.stock).toBe(4);
    expect(after.headers.etag).toBe(written.headers.etag);
    expect(after.headers.etag).not.toBe(before);
    await api().patch(`/api/products/${product.id}/`).set(auth).set('If-Match', after.headers.etag!).send({ stock: 3 }).expect(200);
  });

  it('answers 404, not 304, for a product that is gone, whatever If-None-Match says', async () => {
    await api().get('/api/products/424242/').set('If-None-Match', '*').expect(404);
  });
});

describe('conditional GET of the list', () => {
  // Without PUBLIC_URL the links come from the Host, and supertest's port
  // changes with every request: a fixed Host keeps the representation fixed.
  const list = (query = '') => api().get(`/api/products/${query}`).set('Host', 'shop.test');

  it('answers 304 for an unchanged page, and 200 once a product on it changes', async () => {
    const mug = await buildProduct({ name: 'Mug' });
    await buildProduct({ name: 'Cup' });
    const first = await list('?ordering=name').expect(200);
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/".+"$/);

    const again = await list('?ordering=name').set('If-None-Match', etag).expect(304);
    expect(again.text ?? '').toBe('');
    await list('?ordering=name').set('If-None-Match', etag.slice(2)).expect(304);

    await new Promise((resolve) => setTimeout(resolve, 5));
    await db().product.update({ where: { id: mug.id }, data: { stock: 0 } });
    const changed = await list('?ordering=name').set('If-None-Match', etag).expect(200);
    expect(changed.body.results.map((p: { stock: number }) => p.stock)).toEqual([10, 0]);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('answers 200 when the count changes though the page shows the same products', async () => {
    await buildProduct({ name: 'A' });
    const etag = (await list('?ordering=name&page_size=1').expect(200)).headers.etag!;
    await buildProduct({ name: 'B' }); // on page 2: only count and next change
    const res = await list('?ordering=name&page_size=1').set('If-None-Match', etag).expect(200);
    expect(res.body.count).toBe(2);
    expect(res.body.next).toMatch(/page=2$/);
  });

  it('gives another ETag to the same page behind another host, whose links differ', async () => {
    await buildProduct();
    const etag = (await list().expect(200)).headers.etag!;
    await api().get('/api/products/').set('Host', 'other.test').set('If-None-Match', etag).expect(200);
  });

  it('gives each page and each filter its own ETag', async () => {
    for (const name of ['A', 'B', 'C']) await buildProduct({ name });
    const page1 = (await list('?ordering=name&page_size=1').expect(200)).headers.etag!;
    const page2 = (await list('?ordering=name&page_size=1&page=2').expect(200)).headers.etag!;
    const reversed = (await list('?ordering=-name&page_size=1').expect(200)).headers.etag!;
    expect(new Set([page1, page2, reversed]).size).toBe(3);
    await list('?ordering=name&page_size=1&page=2').set('If-None-Match', page1).expect(200);
  });

  it('still answers 404 past the end, whatever If-None-Match says', async () => {
    await buildProduct();
    const res = await list('?page=2').set('If-None-Match', '*').expect(404);
    expect(res.body.detail).toBe('Invalid page.');
  });
});
