// The admin site in a real Chromium, as staff use it: log in, create a product
// with an image and find it in the API, change a price, cancel an order and
// see the stock back, log out. Any request to another origin or any console
// error (a CSP refusal included) fails the test; axe-core finds no serious or
// critical accessibility violation on the dashboard, a list, a form and an
// order page. Screenshots go to tests/e2e/artifacts on failure; with
// ADMIN_SCREENSHOTS=1 the pages are also saved to tests/e2e/screenshots (the README's).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { gradientPng } from '../../src/cli/demo-images';
import { db } from '../../src/lib/db';
import { api, buildProduct, buildUser, signedIn } from '../support/api';
import { useBrowser } from '../support/browser';
import { placeOrder } from '../support/shop';

jest.setTimeout(90_000);

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const browser = useBrowser();
let page: Page;
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'admin-e2e-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(() => {
  page = browser.page();
});
const scenario = browser.scenario;

async function snapshot(name: string): Promise<void> {
  if (!process.env.ADMIN_SCREENSHOTS) return;
  const folder = path.join(__dirname, 'screenshots');
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: path.join(folder, `admin-${name}.png`), fullPage: true });
}

/** axe-core run in the page (evaluated through the DevTools protocol, so the page's CSP still forbids inline scripts). */
async function seriousViolations(): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: unknown[] }[]; passes: unknown[] };
    // Runs in the page, where `axe` and `document` exist; the test's own types know neither.
    const inPage = globalThis as unknown as { axe: { run: (context: unknown) => Promise<Result> }; document: unknown };
    return inPage.axe.run(inPage.document);
  });
  // A run that checked nothing would pass vacuously.
  expect(results.passes.length).toBeGreaterThan(10);
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
}

async function logIn(username: string, password: string): Promise<void> {
  await page.goto('/admin/');
  expect(page.url()).toMatch(/\/admin\/login/);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

describe('the admin site in a browser', () => {
  it('logs in, creates a product with an image, edits a price, cancels an order, logs out', () =>
    scenario(async () => {
      const staff = await buildUser({ isStaff: true });
      const customer = await signedIn();
      const teapot = await buildProduct({ name: 'Stoneware Teapot', price: '30.00', stock: 5 });
      const order = await placeOrder(customer.auth, [{ product_id: teapot.id, quantity: 2 }]);

      await logIn(staff.username, staff.password);
      await snapshot('dashboard');
      expect(await seriousViolations()).toEqual([]);

      // Create a product with an image, then find it through the API.
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Products' }).click();
      await page.getByRole('heading', { name: 'Products' }).waitFor();
      expect(await seriousViolations()).toEqual([]);
      await page.getByRole('link', { name: 'Add product' }).click();
      await page.getByLabel('Name').fill('Linen Apron');
      await page.getByLabel('Description').fill('Stone-washed linen, one size.');
      await page.getByLabel('Price').fill('24.50');
      await page.getByLabel('Stock').fill('12');
      const image = path.join(scratch, 'apron.png');
      writeFileSync(image, gradientPng(64, [40, 90, 160], [200, 220, 240]));
      await page.getByLabel('Image').setInputFiles(image);
      expect(await seriousViolations()).toEqual([]);
      await snapshot('product-form');
      await page.getByRole('button', { name: 'Create product' }).click();
      await page.getByRole('heading', { name: /Linen Apron/ }).waitFor();
      const created = await db().product.findFirstOrThrow({ where: { name: 'Linen Apron' } });
      const viaApi = (await api().get(`/api/products/${created.id}/`).expect(200)).body;
      expect(viaApi).toMatchObject({ name: 'Linen Apron', price: '24.50', stock: 12, image: expect.stringContaining('/media/') });
      await page.getByRole('img').first().waitFor();

      // Change its price.
      await page.getByLabel('Price').fill('19.90');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('19.90').first().waitFor();
      expect((await api().get(`/api/products/${created.id}/`).expect(200)).body.price).toBe('19.90');

      // Cancel the order: the stock comes back.
      await page.goto(`/admin/orders/${order.id}/`);
      await page.getByRole('heading', { name: `Order #${order.id}` }).waitFor();
      expect(await seriousViolations()).toEqual([]);
      await snapshot('order');
      expect((await db().product.findUniqueOrThrow({ where: { id: teapot.id } })).stock).toBe(3);
      // Cancelling asks first, saying what goes back into stock.
      await page.getByRole('button', { name: 'Cancel the order…' }).click();
      await page.getByRole('button', { name: 'Yes, cancel the order and put the stock back' }).waitFor();
      expect(await seriousViolations()).toEqual([]);
      await snapshot('order-cancel');
      expect((await db().product.findUniqueOrThrow({ where: { id: teapot.id } })).stock).toBe(3);
      await page.getByRole('button', { name: 'Yes, cancel the order and put the stock back' }).click();
      await page.getByText('The order status was changed.').waitFor();

      // The packing slip prints on its own page.
      await page.goto(`/admin/orders/${order.id}/packing-slip`);
      expect(await seriousViolations()).toEqual([]);
      await page.goto(`/admin/orders/${order.id}/`);
      expect((await db().product.findUniqueOrThrow({ where: { id: teapot.id } })).stock).toBe(5);
      expect((await api().get(`/api/orders/${order.id}/`).set(customer.auth).expect(200)).body.status).toBe('cancelled');

      // The orders work queue, and the categories.
      await page.goto('/admin/orders/');
      await page.getByRole('heading', { name: 'Orders' }).waitFor();
      expect(await seriousViolations()).toEqual([]);
      await snapshot('orders');
      await page.goto('/admin/categories/');
      await page.getByRole('heading', { name: 'Categories' }).waitFor();
      expect(await seriousViolations()).toEqual([]);

      // The mail outbox: the order's mails (placed, cancelled) wait for the worker.
      await page.getByRole('link', { name: 'Mail' }).click();
      await page.getByRole('heading', { name: 'Mail' }).waitFor();
      await page.getByText('order cancelled').first().waitFor();
      expect(await seriousViolations()).toEqual([]);
      await snapshot('mail');

      // Log out: the admin is closed again.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await page.goto('/admin/');
      expect(page.url()).toMatch(/\/admin\/login/);
    }));

  it('works the order queue in bulk, and shows staff and superusers what each may do', () =>
    scenario(async () => {
      const boss = await buildUser({ isStaff: true, isSuperuser: true });
      const clerk = await buildUser({ isStaff: true });
      const customer = await signedIn();
      const mug = await buildProduct({ name: 'Mug', price: '8.00', stock: 10 });
      const first = await placeOrder(customer.auth, [{ product_id: mug.id, quantity: 1 }]);
      const second = await placeOrder(customer.auth, [{ product_id: mug.id, quantity: 1 }]);

      await logIn(clerk.username, clerk.password);
      // Tick both orders and mark them paid: one transaction each, the result page names them.
      await page.goto('/admin/orders/');
      await page.getByLabel(`Select order #${first.id}`).check();
      await page.getByLabel(`Select order #${second.id}`).check();
      await page.getByRole('button', { name: 'Mark paid' }).click();
      await page.getByText(`Order #${first.id}`).first().waitFor();
      expect(await seriousViolations()).toEqual([]);
      for (const id of [first.id, second.id]) expect((await db().order.findUniqueOrThrow({ where: { id } })).status).toBe('paid');

      // An ordinary staff member sees a superuser's account, but no control over it.
      await page.goto(`/admin/users/${boss.id}/`);
      await page.getByRole('heading', { name: 'Details' }).waitFor();
      expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      expect(await seriousViolations()).toEqual([]);
      // Their own page asks for the current password to change it.
      await page.goto(`/admin/users/${clerk.id}/`);
      await page.getByLabel('Current password').waitFor();
      expect(await seriousViolations()).toEqual([]);
      await page.locator('form.logout').getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();

      // A superuser is offered the role controls.
      await logIn(boss.username, boss.password);
      await page.goto(`/admin/users/${clerk.id}/`);
      await page.getByRole('checkbox', { name: /superuser/i }).waitFor();
      expect(await seriousViolations()).toEqual([]);
    }));

  it('is usable on a narrow screen and by keyboard alone', () =>
    scenario(async () => {
      const staff = await buildUser({ isStaff: true });
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto('/admin/login');
      // Tab from the top: the skip link, then the form's fields in order.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe(
        'Skip to content',
      );
      await page.getByLabel('Username or email').focus();
      await page.keyboard.type(staff.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(staff.password);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      const overflow = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await seriousViolations()).toEqual([]);
    }));
});
