// The Angular client that ng-openapi-gen makes from our /openapi.json must build
// with frontend-style code (tests/tools/angular-client-usage.ts) under a strict
// Angular tsconfig, and a schema change that would break the frontend's build
// must break this test. No database or server is involved.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, generateAngularClient } from '../tools/angular-client';

const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const TSCONFIG = path.join(ROOT, 'tests/tools/angular-client.tsconfig.json');
const USAGE = path.join(ROOT, 'tests/tools/angular-client-usage.ts');
// Inside the repository so that @angular/* resolve from node_modules; clients/ is git-ignored.
const BROKEN = path.join(ROOT, 'clients/angular-broken');

type Json = Record<string, unknown>;

function typecheck(project: string): { ok: boolean; output: string } {
  const run = spawnSync(process.execPath, [TSC, '--noEmit', '--pretty', 'false', '-p', project], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

function read(client: string, file: string): string {
  return readFileSync(path.join(client, file), 'utf8');
}

/** Changes the frontend would not survive: a type, field names, operations. */
function breakTheContract(document: unknown): void {
  const doc = document as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
  const product = doc.components.schemas.Product as { properties: Json; required: string[] };
  product.properties.price = { type: 'number' };

  const tokens = doc.components.schemas.TokenPair as { properties: Json; required: string[] };
  tokens.properties.access_token = tokens.properties.access;
  delete tokens.properties.access;
  tokens.required = tokens.required.map((name) => (name === 'access' ? 'access_token' : name));

  const order = doc.components.schemas.Order as { properties: Json; required: string[] };
  order.properties.ship_to = order.properties.shipping_address;
  delete order.properties.shipping_address;
  order.required = order.required.map((name) => (name === 'shipping_address' ? 'ship_to' : name));

  delete product.properties.category_id;
  product.required = product.required.filter((name) => name !== 'category_id');

  const removed = ['orders_my_orders_list', 'users_me_addresses_list', 'categories_list'];
  for (const operations of Object.values(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (removed.includes(operation.operationId as string)) delete operations[method];
      if (operation.operationId === 'products_list') {
        operation.parameters = (operation.parameters as { in: string; name: string }[]).filter((parameter) => !(parameter.in === 'query' && parameter.name === 'cursor'));
      }
    }
  }
}

describe('the Angular client generated from /openapi.json', () => {
  let client: string;

  beforeAll(async () => {
    ({ output: client } = await generateAngularClient());
  }, 60_000);

  test('has a service per tag with the operations the frontend calls', () => {
    expect(read(client, 'services/products.service.ts')).toMatch(
      /^\s+productsList\(params\?: ProductsList\$Params, context\?: HttpContext\): Observable<PaginatedProducts>/m,
    );
    expect(read(client, 'services/products.service.ts')).toMatch(/^\s+productsRetrieve\(params: ProductsRetrieve\$Params/m);
    expect(read(client, 'services/auth.service.ts')).toMatch(/^\s+tokenCreate\(params: TokenCreate\$Params/m);
    expect(read(client, 'services/cart.service.ts')).toMatch(/^\s+cartSummaryRetrieve\(params\?: CartSummaryRetrieve\$Params/m);
    expect(read(client, 'services/orders.service.ts')).toMatch(/^\s+ordersCheckoutCreate\(params\?: OrdersCheckoutCreate\$Params/m);
    expect(read(client, 'services/orders.service.ts')).toMatch(/^\s+ordersMyOrdersList\(params\?: OrdersMyOrdersList\$Params/m);
    expect(read(client, 'services/users.service.ts')).toMatch(
      /^\s+usersMeAddressesList\(params\?: UsersMeAddressesList\$Params, context\?: HttpContext\): Observable<Array<Address>>/m,
    );
    for (const operation of ['Create', 'Retrieve', 'PartialUpdate', 'Destroy']) {
      expect(read(client, 'services/users.service.ts')).toMatch(new RegExp(`^\\s+usersMeAddresses${operation}\\(params: UsersMeAddresses${operation}\\$Params`, 'm'));
    }
    // The storefront sends checkout no body: the body stays optional.
    expect(read(client, 'fn/orders/orders-checkout-create.ts')).toMatch(/^\s+body\?: CheckoutRequest$/m);
    expect(read(client, 'models/order.ts')).toMatch(/^\s+shipping_address: \(ShippingAddress \| null\);$/m);
    expect(read(client, 'fn/products/products-list.ts')).toContain("productsList.PATH = '/api/products/';");
    expect(read(client, 'models/product.ts')).toMatch(/^\s+price: string;$/m);
    expect(read(client, 'models/product.ts')).toMatch(/^\s+category_id: \(number \| null\);$/m);
    expect(read(client, 'models/category.ts')).toMatch(/^\s+parent_id: \(number \| null\);$/m);
    expect(read(client, 'services/categories.service.ts')).toMatch(
      /^\s+categoriesList\(params\?: CategoriesList\$Params, context\?: HttpContext\): Observable<CategoryList>/m,
    );
    for (const operation of ['Create', 'Retrieve', 'Update', 'PartialUpdate', 'Destroy']) {
      expect(read(client, 'services/categories.service.ts')).toMatch(new RegExp(`^\\s+categories${operation}\\(params: Categories${operation}\\$Params`, 'm'));
    }
    // ?category= takes an id or a slug; the `next` link past the numbered pages carries ?cursor=.
    expect(read(client, 'fn/products/products-list.ts')).toMatch(/^\s+category\?: string;$/m);
    expect(read(client, 'fn/products/products-list.ts')).toMatch(/^\s+cursor\?: string;$/m);
  });

  test('builds with the frontend-style usage under a strict Angular tsconfig', () => {
    const { ok, output } = typecheck(TSCONFIG);
    if (!ok) throw new Error(`tsc -p tests/tools/angular-client.tsconfig.json failed:\n${output}`);
  }, 120_000);

  test('stops building when a schema change would break the frontend', async () => {
    rmSync(BROKEN, { recursive: true, force: true });
    try {
      await generateAngularClient({ output: path.relative(ROOT, path.join(BROKEN, 'client')), transform: breakTheContract });
      expect(existsSync(path.join(BROKEN, 'client/services/orders.service.ts'))).toBe(true);
      const usage = readFileSync(USAGE, 'utf8');
      const copy = usage.replaceAll("'../../clients/angular/", "'./client/");
      expect(copy).not.toBe(usage);
      mkdirSync(BROKEN, { recursive: true });
      writeFileSync(path.join(BROKEN, 'usage.ts'), copy);
      writeFileSync(
        path.join(BROKEN, 'tsconfig.json'),
        JSON.stringify({ extends: TSCONFIG, files: ['usage.ts'], include: ['client/**/*.ts'] }),
      );

      const { ok, output } = typecheck(path.join(BROKEN, 'tsconfig.json'));

      expect(ok).toBe(false);
      // The generated client still compiles: every error is in the frontend's code.
      const errors = output.split('\n').filter((line) => / error TS\d+:/.test(line));
      expect(errors.length).toBeGreaterThan(0);
      for (const line of errors) expect(line).toMatch(/^clients\/angular-broken\/usage\.ts\(\d+,\d+\): error TS/);
      expect(output).toMatch(/error TS2322: Type 'number' is not assignable to type 'string'/);
      expect(output).toMatch(/error TS2339: Property 'access' does not exist on type 'TokenPair'/);
      expect(output).toMatch(/error TS2339: Property 'ordersMyOrdersList' does not exist on type 'OrdersService'/);
      expect(output).toMatch(/error TS2339: Property 'shipping_address' does not exist on type 'Order'/);
      expect(output).toMatch(/error TS(2339|2551): Property 'usersMeAddressesList' does not exist on type 'UsersService'/);
      expect(output).toMatch(/error TS2339: Property 'category_id' does not exist on type 'Product'/);
      expect(output).toMatch(/error TS2339: Property 'categoriesList' does not exist on type 'CategoriesService'/);
      expect(output).toMatch(/error TS2353: Object literal may only specify known properties, and 'cursor' does not exist in type 'ProductsList\$Params'/);
    } finally {
      rmSync(BROKEN, { recursive: true, force: true });
    }
  }, 120_000);
});
