// The Postman collections a frontend developer uses: the hand-written scenario
// (postman/shop-scenario.postman_collection.json) runs with newman against a live
// server on this worker's fresh database, and the collection generated from
// /openapi.json (npm run postman) must hold a request for every operation.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { contractChecked } from '../support/contract';
import { seedDemoData } from '../../src/cli/seed';
import {
  POSTMAN_V21_SCHEMA,
  buildDocument,
  convertToPostman,
  referencedVariables,
  requestPath,
  requests,
  type PostmanCollection,
  type PostmanItem,
} from '../tools/postman';

// newman ships no types; this is the part of its programmatic API used here.
interface NewmanFailure {
  error: { name: string; message: string; test?: string };
  at?: string;
  source?: { name?: string };
  cursor?: { ref?: string };
}
interface NewmanExecution {
  cursor: { ref: string };
  request: { url: { toString(): string } };
  response?: { code: number; text(): string };
}
interface NewmanSummary {
  run: {
    error?: { message: string };
    failures: NewmanFailure[];
    executions: NewmanExecution[];
    stats: Record<'requests' | 'assertions', { total: number; failed: number }>;
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const newman = require('newman') as {
  run(options: object, callback: (error: Error | null, summary: NewmanSummary) => void): unknown;
};

jest.setTimeout(60_000);

const SCENARIO = path.resolve(__dirname, '../../postman/shop-scenario.postman_collection.json');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = contractChecked(createApp()).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

interface RunResult {
  /** One line per failed assertion, request error or script error: "step › test: message". */
  failures: string[];
  requests: number;
  assertions: number;
  urls: string[];
}

/**
 * Runs a collection with newman, with `baseUrl` pointing at the server under test.
 * Quiet unless NEWMAN_CLI=1, which prints newman's own step-by-step report.
 */
function runCollection(collection: object, url = baseUrl, envVar: { key: string; value: string }[] = []): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    newman.run(
      { collection, envVar: [{ key: 'baseUrl', value: url }, ...envVar], reporters: process.env.NEWMAN_CLI ? 'cli' : [], ignoreRedirects: true, timeoutRequest: 10_000 },
      (error, summary) => {
        if (error) return reject(error);
        const { run } = summary;
        const response = (ref?: string) => run.executions.find((e) => e.cursor.ref === ref)?.response;
        const failures = run.failures.map((failure) => {
          const step = failure.source?.name ?? failure.at ?? 'collection';
          const what = failure.error.test ? `"${failure.error.test}"` : failure.error.name;
          const answer = response(failure.cursor?.ref);
          const body = answer ? ` [${answer.code}: ${answer.text().slice(0, 300)}]` : '';
          return `${step} › ${what}: ${failure.error.message}${body}`;
        });
        if (run.error) failures.push(`run › ${run.error.message}`);
        resolve({
          failures: [...new Set(failures)],
          requests: run.stats.requests.total,
          assertions: run.stats.assertions.total,
          urls: run.executions.map((e) => e.request.url.toString()),
        });
      },
    );
  });
}

const readCollection = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PostmanCollection;

test('the shopper scenario collection passes against a live server with the demo catalog', async () => {
  // The staff steps log in as the demo admin, which the seed adds outside development only when asked.
  await seedDemoData({ withAdmin: true });
  const scenario = readCollection(SCENARIO);
  const { username, password } = config.demoAdmin;

  const result = await runCollection(scenario, baseUrl, [
    { key: 'staffUsername', value: username },
    { key: 'staffPassword', value: password },
  ]);

  expect(result.failures).toEqual([]);
  expect(result.requests).toBe(requests(scenario.item).length);
  expect(result.assertions).toBeGreaterThanOrEqual(result.requests * 2);
  expect(result.urls.filter((url) => !url.startsWith(`${baseUrl}/`))).toEqual([]);
});

test('the shopper scenario walks every address book operation and orders to an address both ways', () => {
  const scenario = readCollection(SCENARIO);
  // The scenario's paths hold variables ({{addressId}}); the document's hold parameters ({id}).
  const walked = new Set(requests(scenario.item).map((item) => `${item.request!.method} ${requestPath(item).replace(/\{\{\w+\}\}/g, '{id}')}`));
  const addressBook = Object.entries(buildDocument().paths ?? {})
    .filter(([route]) => route.startsWith('/api/users/me/addresses/'))
    .flatMap(([route, item]) => HTTP_METHODS.filter((method) => method in (item as object)).map((method) => `${method.toUpperCase()} ${route}`));

  expect(addressBook).toHaveLength(5);
  expect(addressBook.filter((operation) => !walked.has(operation))).toEqual([]);
  const bodies = requests(scenario.item).map((item) => `${item.request!.method} ${requestPath(item)} ${(item.request as { body?: { raw?: string } }).body?.raw ?? ''}`);
  expect(bodies).toContainEqual(expect.stringMatching(/^POST \/api\/orders\/checkout\/ .*"address_id"/s));
  expect(bodies).toContainEqual(expect.stringMatching(/^POST \/api\/orders\/ .*"shipping_address"/s));
});

test('the scenario files a product in a child category as staff, finds it by the parent slug, and a shopper may not create categories', () => {
  const scenario = readCollection(SCENARIO);
  const steps = requests(scenario.item).map((item) => {
    const request = item.request as { method: string; url: { raw?: string }; body?: { raw?: string }; auth?: { bearer?: { value: string }[] } };
    const token = request.auth?.bearer?.[0]?.value ?? (request.auth ? 'none' : 'collection');
    return `${request.method} ${request.url.raw ?? ''} as ${token} ${request.body?.raw ?? ''}`;
  });

  expect(steps).toContainEqual(expect.stringMatching(/^POST \{\{baseUrl\}\}\/api\/categories\/ as \{\{staffAccess\}\} (?!.*parent_id)/s));
  expect(steps).toContainEqual(expect.stringMatching(/^POST \{\{baseUrl\}\}\/api\/categories\/ as \{\{staffAccess\}\} .*"parent_id": \{\{parentCategoryId\}\}/s));
  expect(steps).toContainEqual(expect.stringMatching(/^POST \{\{baseUrl\}\}\/api\/products\/ as \{\{staffAccess\}\} .*"category_id": \{\{childCategoryId\}\}/s));
  expect(steps).toContainEqual(expect.stringMatching(/^GET \{\{baseUrl\}\}\/api\/products\/\?category=\{\{parentCategorySlug\}\} as none/));
  // The collection's own auth is the shopper's token.
  expect(scenario).toMatchObject({ auth: { bearer: [{ value: '{{shopperAccess}}' }] } });
  expect(steps).toContainEqual(expect.stringMatching(/^POST \{\{baseUrl\}\}\/api\/categories\/ as collection /));
});

test('a failing assertion or a refused request fails the newman run, naming the step', async () => {
  // Guards the harness above: were failures not collected, the scenario could never fail.
  const collection = {
    info: { name: 'harness', schema: POSTMAN_V21_SCHEMA },
    item: [
      {
        name: 'Health, wrongly expected to be 418',
        request: { method: 'GET', url: '{{baseUrl}}/health' },
        event: [{ listen: 'test', script: { exec: ["pm.test('is a teapot', () => pm.response.to.have.status(418));"] } }],
      },
      { name: 'Nobody listens here', request: { method: 'GET', url: 'http://127.0.0.1:1/' } },
    ],
  };

  const { failures } = await runCollection(collection);

  expect(failures).toEqual([
    expect.stringMatching(/^Health, wrongly expected to be 418 › "is a teapot": expected response to have status code 418 but got 200/),
    expect.stringMatching(/^Nobody listens here › .*ECONNREFUSED/),
  ]);
});

test('the collection generated from /openapi.json is Postman v2.1 with a request for every operation', async () => {
  const document = buildDocument();
  const operations = Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
    HTTP_METHODS.filter((method) => method in (item as object)).map((method) => `${method.toUpperCase()} ${route}`),
  );

  const collection = await convertToPostman(document, 'http://localhost:8000');

  expect(collection.info.schema).toBe(POSTMAN_V21_SCHEMA);
  expect(collection.info.name).toBe(document.info.title);
  expect(malformedItems(collection.item)).toEqual([]);
  const generated = requests(collection.item).map((item) => `${item.request!.method} ${requestPath(item)}`);
  expect(generated.sort()).toEqual(operations.sort());
  expect(collection.variable).toContainEqual(expect.objectContaining({ key: 'baseUrl', value: 'http://localhost:8000' }));
  const declared = new Set((collection.variable ?? []).map((variable) => variable.key));
  expect([...referencedVariables(collection)].filter((name) => !declared.has(name))).toEqual([]);
});

/** What the v2.1 schema requires of items: a named folder of items, or a request with a method and a URL on {{baseUrl}}. */
function malformedItems(items: PostmanItem[], trail = ''): string[] {
  return items.flatMap((item) => {
    const where = `${trail}/${item.name}`;
    if (!item.name) return [`${where}: no name`];
    if (item.item) return Array.isArray(item.item) ? malformedItems(item.item, where) : [`${where}: item is not a list`];
    const url = item.request?.url;
    if (!item.request?.method || !url || typeof url === 'string') return [`${where}: no request with a method and a URL object`];
    return url.host?.join('') === '{{baseUrl}}' ? [] : [`${where}: host is ${url.host?.join('')}, not {{baseUrl}}`];
  });
}
