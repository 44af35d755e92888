// The change log page: every change by staff, through the admin or the API,
// newest first, a page at a time; and the dashboard's recent changes.
import { db } from '../../src/lib/db';
import { api, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent } from '../support/admin';

describe('the admin change log', () => {
  it('lists changes made through the API with who, what and how, on the log page and the dashboard', async () => {
    const admin = await signedIn({ isStaff: true });
    const customer = await buildUser();
    await api().patch(`/api/users/${customer.id}/`).set(admin.auth).send({ email: 'renamed@example.com' }).expect(200);

    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const log = await agent.get('/admin/log/').expect(200);
    expect(log.text).toContain('renamed@example.com');
    expect(log.text).toContain(admin.user.username);
    expect(log.text).toMatch(/>\s*api\s*</);
    const dashboard = await agent.get('/admin/').expect(200);
    expect(dashboard.text).toContain('renamed@example.com');
  });

  it('escapes what it shows, and reads a bad page number as the first page', async () => {
    const admin = await signedIn({ isStaff: true });
    const product = await buildProduct();
    for (let i = 0; i < 3; i += 1) {
      await api().patch(`/api/products/${product.id}/`).set(admin.auth).send({ name: `<b>Name ${i}</b>` }).expect(200);
    }
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const page = await agent.get('/admin/log/?page=1').expect(200);
    expect(page.text).not.toContain('<b>Name');
    expect(page.text).toContain('&lt;b&gt;Name 2&lt;/b&gt;');
    await agent.get('/admin/log/?page=abc').expect(200);
  });

  it('shows 50 changes a page, newest first, with a way to the older ones', async () => {
    const staff = await buildUser({ isStaff: true });
    await db().adminLogEntry.createMany({
      data: Array.from({ length: 51 }, (_, i) => ({
        actorId: staff.id, actorUsername: staff.username, via: 'api', action: 'update', objectType: 'product', objectId: 1,
        objectRepr: `Change number ${i}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      })),
    });
    const agent = await adminAgent(staff);
    const first = (await agent.get('/admin/log/').expect(200)).text;
    expect(first).toContain('Change number 50');
    expect(first).not.toContain('Change number 0<');
    expect(first).toContain('Page 1 of 2');
    expect(first).toContain('Next page');
    const second = (await agent.get('/admin/log/?page=2').expect(200)).text;
    expect(second).toContain('Change number 0');
    expect(second).not.toContain('Change number 50');
  });

  it('sorts by who, action, object or via with the column headers, and filters by the kind of object', async () => {
    const staff = await buildUser({ isStaff: true });
    const entry = (actorUsername: string, action: string, objectType: string, objectId: number, via: string, second: number) => ({
      actorId: staff.id, actorUsername, via, action, objectType, objectId, objectRepr: `${actorUsername}-${action}-${objectType}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
    });
    await db().adminLogEntry.createMany({
      data: [entry('carol', 'update', 'product', 2, 'api', 1), entry('alice', 'status', 'order', 9, 'admin', 2), entry('bob', 'create', 'product', 1, 'admin', 3)],
    });
    const agent = await adminAgent(staff);
    const reprs = (html: string) => [...html.matchAll(/#\d+: (\w+-\w+-\w+)</g)].map((m) => m[1]);

    const newest = (await agent.get('/admin/log/').expect(200)).text;
    expect(reprs(newest)).toEqual(['bob-create-product', 'alice-status-order', 'carol-update-product']);
    expect(newest).toContain('aria-sort="descending"><a href="/admin/log/?sort=when">When</a>');
    expect(reprs((await agent.get('/admin/log/?sort=who').expect(200)).text)).toEqual(['alice-status-order', 'bob-create-product', 'carol-update-product']);
    expect(reprs((await agent.get('/admin/log/?sort=-action').expect(200)).text)).toEqual(['carol-update-product', 'alice-status-order', 'bob-create-product']);
    expect(reprs((await agent.get('/admin/log/?sort=object').expect(200)).text)).toEqual(['alice-status-order', 'bob-create-product', 'carol-update-product']);
    expect(reprs((await agent.get('/admin/log/?sort=via').expect(200)).text)).toEqual(['bob-create-product', 'alice-status-order', 'carol-update-product']);
    expect(reprs((await agent.get('/admin/log/?sort=when').expect(200)).text)).toEqual(['carol-update-product', 'alice-status-order', 'bob-create-product']);

    const products = (await agent.get('/admin/log/?object=product&sort=who').expect(200)).text;
    expect(reprs(products)).toEqual(['bob-create-product', 'carol-update-product']);
    expect(products).toContain('2 changes to products');
    expect(products).toContain('aria-sort="ascending"><a href="/admin/log/?object=product&sort=-who">Who</a>');
    const none = (await agent.get('/admin/log/?object=mail').expect(200)).text;
    expect(none).toContain('No change to a mail is recorded.');
    // An unknown kind or sort is the whole log, newest first.
    expect(reprs((await agent.get('/admin/log/?object=%3Cscript%3E&sort=nope').expect(200)).text)).toEqual(['bob-create-product', 'alice-status-order', 'carol-update-product']);
  });
});
