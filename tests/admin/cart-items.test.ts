// Cart items in the admin site: every cart, read-only, filtered by owner, and
// a staff removal that waits for the cart's lock and is logged.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { lockCart } from '../../src/modules/cart/cart.service';
import { app, buildProduct, buildUser } from '../support/api';
import { adminAgent, csrfFrom, submit, tryAdminLogin } from '../support/admin';
import { buildCartLine, holdInTransaction, waitForLockWaiters } from '../support/shop';

async function cartLine(userId: number, overrides: { name?: string; quantity?: number } = {}) {
  const product = await buildProduct({ name: overrides.name });
  return buildCartLine(userId, product.id, overrides.quantity);
}

describe('admin cart items', () => {
  it('sends anonymous visitors to the login page, and an anonymous POST removes nothing', async () => {
    const owner = await buildUser();
    const line = await cartLine(owner.id);
    expect((await request(app).get('/admin/cart-items/').expect(303)).headers.location).toBe('/admin/login?next=%2Fadmin%2Fcart-items%2F');
    await request(app).post(`/admin/cart-items/${line.id}/delete`).type('form').send({}).expect(303);
    expect(await db().cartItem.count()).toBe(1);
  });

  it('is closed to a non-staff account, which cannot log in', async () => {
    const { agent, res } = await tryAdminLogin(await buildUser());
    expect(res.status).toBe(401);
    await agent.get('/admin/cart-items/').expect(303);
  });

  it('lists every line with its product, quantity and owner, filtered by user id or username', async () => {
    const staff = await buildUser({ isStaff: true });
    const alice = await buildUser({ username: 'alice-cart' });
    const bob = await buildUser({ username: 'bob-cart' });
    await cartLine(alice.id, { name: 'Teapot', quantity: 3 });
    await cartLine(bob.id, { name: 'Kettle', quantity: 1 });
    const agent = await adminAgent(staff);

    const all = await agent.get('/admin/cart-items/').expect(200);
    expect(all.text).toContain('2 cart lines');
    expect(all.text).toMatch(/Teapot<\/a><\/td>\s*<td>3<\/td>\s*<td><a href="\/admin\/users\/\d+\/">alice-cart<\/a>/);

    const byId = await agent.get(`/admin/cart-items/?user=${bob.id}`).expect(200);
    expect(byId.text).toContain('Kettle');
    expect(byId.text).not.toContain('Teapot');

    const byName = await agent.get('/admin/cart-items/?username=ALICE').expect(200);
    expect(byName.text).toContain('Teapot');
    expect(byName.text).not.toContain('Kettle');

    const nonsense = await agent.get('/admin/cart-items/?user=not-an-id').expect(200);
    expect(nonsense.text).toContain('No cart lines for this filter.');
  });

  it('sorts by each column, both ways, keeping the filter; an unknown sort is the default', async () => {
    const staff = await buildUser({ isStaff: true });
    const ann = await buildUser({ username: 'ann-cart' });
    const bob = await buildUser({ username: 'bob-cart' });
    await cartLine(bob.id, { name: 'Apple', quantity: 5 });
    await cartLine(ann.id, { name: 'Cherry', quantity: 1 });
    await cartLine(ann.id, { name: 'Banana', quantity: 3 });
    const agent = await adminAgent(staff);
    const products = async (query: string) => [...(await agent.get(`/admin/cart-items/${query}`).expect(200)).text.matchAll(/<td><a href="\/admin\/products\/\d+\/">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

    expect(await products('?sort=product')).toEqual(['Apple', 'Banana', 'Cherry']);
    expect(await products('?sort=-product')).toEqual(['Cherry', 'Banana', 'Apple']);
    expect(await products('?sort=-quantity')).toEqual(['Apple', 'Banana', 'Cherry']);
    expect(await products('?sort=user')).toEqual(['Cherry', 'Banana', 'Apple']);
    expect(await products('?sort=nonsense')).toEqual(await products(''));
    const page = (await agent.get('/admin/cart-items/?username=ann&sort=product').expect(200)).text;
    expect(page).toContain('aria-sort="ascending"');
    expect(page).toContain('href="/admin/cart-items/?username=ann&sort=-product"');
  });

  it('matches % and _ in the username filter as themselves, never as wildcards', async () => {
    const staff = await buildUser({ isStaff: true });
    await cartLine((await buildUser({ username: 'per%cent', email: 'p@example.com' })).id, { name: 'Teapot' });
    await cartLine((await buildUser({ username: 'under_score', email: 'u@example.com' })).id, { name: 'Kettle' });
    await cartLine((await buildUser({ username: 'plain-name', email: 'n@example.com' })).id, { name: 'Spoon' });
    const agent = await adminAgent(staff);
    const products = async (username: string) => [...(await agent.get(`/admin/cart-items/?username=${encodeURIComponent(username)}`).expect(200)).text.matchAll(/<td><a href="\/admin\/products\/\d+\/">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

    expect(await products('%')).toEqual(['Teapot']);
    expect(await products('_')).toEqual(['Kettle']);
    expect(await products('R_S')).toEqual(['Kettle']);
  });

  it('removes a line with its Remove button, back to that user\'s lines, and logs who removed what', async () => {
    const staff = await buildUser({ isStaff: true });
    const owner = await buildUser();
    const line = await cartLine(owner.id, { name: 'Teapot', quantity: 2 });
    const kept = await cartLine(owner.id, { name: 'Kettle' });
    const agent = await adminAgent(staff);

    const res = await submit(agent, '/admin/cart-items/', `/admin/cart-items/${line.id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/cart-items/?user=${owner.id}&notice=removed`);
    expect((await agent.get(res.headers.location!).expect(200)).text).toContain('The cart line was removed.');

    expect(await db().cartItem.findMany({ select: { id: true } })).toEqual([{ id: kept.id }]);
    const entries = await db().adminLogEntry.findMany();
    expect(entries).toEqual([expect.objectContaining({
      action: 'delete', objectType: 'cart_item', objectId: line.id, actorId: staff.id, actorUsername: staff.username, via: 'admin',
      objectRepr: `2 × Teapot in the cart of ${owner.username}`,
    })]);
    await submit(agent, '/admin/cart-items/', `/admin/cart-items/${line.id}/delete`).then((again) => expect(again.status).toBe(404));
  });

  it('waits for the cart\'s lock before removing, like every other cart write', async () => {
    const staff = await buildUser({ isStaff: true });
    const owner = await buildUser();
    const line = await cartLine(owner.id);
    const agent = await adminAgent(staff);
    const page = await agent.get('/admin/cart-items/').expect(200);
    const token = csrfFrom(page.text);

    const held = await holdInTransaction((tx) => lockCart(tx, owner.id));
    const removal = agent.post(`/admin/cart-items/${line.id}/delete`).type('form').send({ _csrf: token }).then((r) => r); // starts the request
    await waitForLockWaiters(1);
    expect(await db().cartItem.count()).toBe(1);
    await held.release();
    expect((await removal).status).toBe(303);
    expect(await db().cartItem.count()).toBe(0);
  });

  it('refuses a removal without the CSRF token, and nothing changes on a GET', async () => {
    const staff = await buildUser({ isStaff: true });
    const owner = await buildUser();
    const line = await cartLine(owner.id);
    const agent = await adminAgent(staff);
    await agent.post(`/admin/cart-items/${line.id}/delete`).type('form').send({}).expect(403);
    await agent.get(`/admin/cart-items/?user=${owner.id}`).expect(200);
    await agent.get(`/admin/cart-items/${line.id}/delete`).expect(404);
    expect(await db().cartItem.count()).toBe(1);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

