// `npm run openapi:export -- [file]`: writes the OpenAPI document (the one
// served at /openapi.json) without a database, for linters and client generators.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApi } from '../app';
import { buildOpenApiDocument } from '../http/docs';

const target = process.argv[2];
const json = `${JSON.stringify(buildOpenApiDocument(buildApi()), null, 2)}\n`;
if (target) {
  mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  writeFileSync(target, json);
  console.error(`OpenAPI document written to ${target}`);
} else {
  process.stdout.write(json);
}
