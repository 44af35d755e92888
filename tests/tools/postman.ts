// `npm run postman`: the OpenAPI document served at /openapi.json, converted into a
// Postman v2.1 collection at postman/shop.postman_collection.json (git-ignored: it is
// rebuilt from the routes, so it cannot drift). No database is needed.
// The logger reads LOG_LEVEL when src is first imported, so this comes first.
process.env.LOG_LEVEL = 'silent';

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convert, type Options } from 'openapi-to-postmanv2';
import { buildApi } from '../../src/app';
import { config } from '../../src/config';
import { buildOpenApiDocument } from '../../src/http/docs';

export const POSTMAN_V21_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
export const COLLECTION_FILE = path.resolve(__dirname, '../../postman/shop.postman_collection.json');

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

export interface PostmanVariable {
  key: string;
  value?: string;
  type?: string;
  description?: string;
}

export interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: { method: string; url: { host?: string[]; path?: string[] } | string; auth?: unknown };
  event?: { listen: 'test' | 'prerequest'; script: { type: string; exec: string[] } }[];
}

export interface PostmanCollection {
  info: { name: string; schema: string; _postman_id?: string };
  item: PostmanItem[];
  variable?: PostmanVariable[];
}

const OPTIONS: Options = {
  folderStrategy: 'Tags',
  requestNameSource: 'Fallback',
  parametersResolution: 'Example',
  // Optional query parameters (search, min_price, ...) are off until the user ticks them;
  // sent as they come, their placeholders would make every list request a 400.
  enableOptionalParameters: false,
};

/** Saves the access token that every secured request sends, after logging in or refreshing. */
const SAVE_TOKEN: string[] = [
  "if (pm.response.code === 200) pm.collectionVariables.set('bearerToken', pm.response.json().access);",
];
const TOKEN_PATHS = new Set(['/api/token/', '/api/token/refresh/']);

export function convertToPostman(document: OpenApiDocument, baseUrl = `http://localhost:${config.port}`): Promise<PostmanCollection> {
  return new Promise((resolve, reject) => {
    convert({ type: 'json', data: document }, OPTIONS, (error, result) => {
      if (error) return reject(new Error(`openapi-to-postmanv2 failed: ${error.message}`));
      const collection = result?.output?.find((output) => output.type === 'collection')?.data;
      if (!result?.result || !collection) {
        return reject(new Error(`openapi-to-postmanv2 could not convert the document: ${result?.reason ?? 'no collection in its output'}`));
      }
      resolve(finish(collection as PostmanCollection, baseUrl));
    });
  });
}

/** A usable collection: a real baseUrl, every `{{variable}}` it uses declared, tokens kept. */
function finish(collection: PostmanCollection, baseUrl: string): PostmanCollection {
  const variables = new Map((collection.variable ?? []).map((variable) => [variable.key, variable]));
  variables.set('baseUrl', { key: 'baseUrl', value: baseUrl, type: 'string', description: 'Where the shop API listens' });
  for (const name of referencedVariables(collection)) {
    if (!variables.has(name)) variables.set(name, { key: name, value: '', type: 'string' });
  }
  for (const item of requests(collection.item)) {
    if (item.request?.method === 'POST' && TOKEN_PATHS.has(requestPath(item))) {
      item.event = [...(item.event ?? []), { listen: 'test', script: { type: 'text/javascript', exec: SAVE_TOKEN } }];
    }
  }
  return { ...collection, variable: [...variables.values()] };
}

/** Names used as `{{name}}`, leaving out Postman's dynamic ones (`{{$guid}}`). */
export function referencedVariables(collection: PostmanCollection): Set<string> {
  const names = JSON.stringify(collection.item).matchAll(/\{\{([^{}$][^{}]*)\}\}/g);
  return new Set([...names].map((match) => match[1]!));
}

/** Every request of the collection, folders flattened. */
export function requests(items: PostmanItem[]): PostmanItem[] {
  return items.flatMap((item) => (item.item ? requests(item.item) : [item]));
}

/** The request's path as OpenAPI writes it: `/api/orders/{id}/`. */
export function requestPath(item: PostmanItem): string {
  const url = item.request?.url;
  if (!url || typeof url === 'string') return String(url);
  return `/${(url.path ?? []).map((segment) => segment.replace(/^:(.+)$/, '{$1}')).join('/')}`;
}

export function buildDocument(): OpenApiDocument {
  return buildOpenApiDocument(buildApi());
}

async function main(): Promise<void> {
  const collection = await convertToPostman(buildDocument());
  mkdirSync(path.dirname(COLLECTION_FILE), { recursive: true });
  writeFileSync(COLLECTION_FILE, `${JSON.stringify(collection, null, 2)}\n`);
  console.error(`Postman collection (${requests(collection.item).length} requests) written to ${path.relative(process.cwd(), COLLECTION_FILE)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
