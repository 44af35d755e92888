// Drives Swagger UI at /docs in a real Chromium, as a user would: log in with
// "Try it out", authorize with the token it shows, then call protected routes,
// including a multipart upload through the file chooser.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { useBrowser } from '../support/browser';
import { gradientPng } from '../../src/cli/demo-images';
import { db } from '../../src/lib/db';
import { buildUser, type TestUser } from '../support/api';

jest.setTimeout(60_000);

const TAGS = ['auth', 'users', 'products', 'categories', 'cart', 'orders', 'service'];

// Error statuses are asserted where expected; any other console error (a CSP
// refusal, a script error) fails the test.
const browser = useBrowser({ ignoreConsole: (text) => text.startsWith('Failed to load resource: the server responded with a status of') });
const scenario = browser.scenario;
let page: Page;
let origin: string;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'swagger-ui-e2e-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// A fresh context per test: persistAuthorization keeps tokens in localStorage.
beforeEach(() => {
  page = browser.page();
  origin = browser.origin();
});

async function openDocs(): Promise<void> {
  await page.goto('/docs');
  await page.locator('.opblock-tag').first().waitFor();
}

/** Expands an operation (by its DOM id, operations-<tag>-<operationId>) and presses "Try it out". */
async function tryItOut(tag: string, operationId: string): Promise<Locator> {
  const operation = page.locator(`#operations-${tag}-${operationId}`);
  const tagSection = page.locator(`.opblock-tag[data-tag="${tag}"]`);
  if (!(await operation.isVisible())) await tagSection.click();
  await operation.locator('.opblock-summary-control').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('button.execute').waitFor();
  return operation;
}

/** Presses Execute, waits for the API's answer and for Swagger UI to render it. */
async function execute(operation: Locator, method: string, pathname: string) {
  const answered = page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname === pathname);
  await operation.locator('button.execute').click();
  const response = await answered;
  const live = operation.locator('.live-responses-table');
  await live.locator('tbody .response-col_status').first().waitFor();
  const shownStatus = Number((await live.locator('tbody .response-col_status').first().innerText()).trim());
  const shownBody = (await live.locator('.response-col_description .highlight-code pre').first().innerText()).trim();
  return { request: response.request(), status: response.status(), shownStatus, shownBody };
}

/** Logs in with POST /api/token/ through the UI and returns the access token read off the page. */
async function logInThroughUi(user: TestUser): Promise<string> {
  const operation = await tryItOut('auth', 'token_create');
  await operation.locator('textarea.body-param__text').fill(JSON.stringify({ username: user.username, password: user.password }));
  const { request, status, shownStatus, shownBody } = await execute(operation, 'POST', '/api/token/');
  expect(request.postDataJSON()).toEqual({ username: user.username, password: user.password });
  expect([status, shownStatus]).toEqual([200, 200]);
  const tokens = JSON.parse(shownBody) as { access?: unknown; refresh?: unknown };
  expect(typeof tokens.access).toBe('string');
  expect(typeof tokens.refresh).toBe('string');
  return tokens.access as string;
}

async function authorize(token: string): Promise<void> {
  await page.locator('.auth-wrapper button.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  const bearer = dialog.locator('.auth-container').filter({ has: page.locator('h4', { hasText: 'bearerAuth' }) });
  await bearer.locator('input#auth-bearer-value').fill(token);
  await bearer.locator('button.authorize').click();
  await bearer.locator('h6', { hasText: 'Authorized' }).waitFor();
  // Each scheme (bearerAuth, and /metrics' metricsToken) has its own Close.
  await bearer.locator('button.btn-done').click();
  await dialog.waitFor({ state: 'detached' });
}

async function getMe() {
  const operation = await tryItOut('users', 'users_me_retrieve');
  return execute(operation, 'GET', '/api/users/me/');
}

describe('Swagger UI at /docs', () => {
  it('lists every tag of the API', () =>
    scenario(async () => {
      await openDocs();
      const tags = await page.locator('.opblock-tag').evaluateAll((els) => els.map((el) => el.getAttribute('data-tag')));
      expect(tags).toEqual(expect.arrayContaining(TAGS));
      expect(await page.locator('#operations-auth-token_create').isVisible()).toBe(true);
    }));

  it('logs in with Try it out, authorizes with the access token, and GET /api/users/me/ answers 200 with the user', () =>
    scenario(async () => {
      const user = await buildUser();
      await openDocs();
      const access = await logInThroughUi(user);
      await authorize(access);

      const me = await getMe();
      expect(me.request.headers()['authorization']).toBe(`Bearer ${access}`);
      expect([me.status, me.shownStatus]).toEqual([200, 200]);
      expect(JSON.parse(me.shownBody)).toMatchObject({ id: user.id, username: user.username });
    }));

  it('with a token that is not the one issued, GET /api/users/me/ answers 401', () =>
    scenario(async () => {
      const user = await buildUser();
      await openDocs();
      const access = await logInThroughUi(user);
      await authorize(`${access}x`);

      const me = await getMe();
      expect([me.status, me.shownStatus]).toEqual([401, 401]);
      expect(me.shownBody).not.toContain(user.username);
    }));

  it('a staff user creates a product with an image through multipart/form-data', () =>
    scenario(async () => {
      const staff = await buildUser({ isStaff: true });
      const png = gradientPng(64, [255, 0, 0], [0, 0, 255]);
      const pngPath = path.join(scratch, 'gradient.png');
      writeFileSync(pngPath, png);

      await openDocs();
      await authorize(await logInThroughUi(staff));

      const operation = await tryItOut('products', 'products_create');
      await operation.locator('.body-param-content-type select').selectOption('multipart/form-data');
      const field = (name: string) => operation.locator(`tr[data-property-name="${name}"]`);
      await field('name').locator('input[type="text"]').fill('Swagger gradient');
      await field('price').locator('input[type="text"]').fill('12.50');
      await field('stock').locator('input[type="text"]').fill('3');
      await field('image').locator('input[type="file"]').setInputFiles(pngPath);

      const created = await execute(operation, 'POST', '/api/products/');
      expect(created.request.headers()['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect([created.status, created.shownStatus]).toEqual([201, 201]);
      expect(JSON.parse(created.shownBody)).toMatchObject({ name: 'Swagger gradient', price: '12.50', stock: 3 });

      const product = await db().product.findFirst({ where: { name: 'Swagger gradient' } });
      expect(product).toMatchObject({ stock: 3, image: expect.any(String) });
      const imageUrl = (JSON.parse(created.shownBody) as { image: string }).image;
      expect(imageUrl).toBe(`${origin}/media/${product?.image}`);
      const image = await fetch(imageUrl);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect(Buffer.compare(Buffer.from(await image.arrayBuffer()), png)).toBe(0);
    }));
});
