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
});
