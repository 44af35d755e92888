// `npm run client:angular`: generates the Angular client that the frontend would
// get from our /openapi.json (ng-openapi-gen, options in ng-openapi-gen.json)
// into clients/angular/, which is git-ignored. tests/e2e/angular-client.test.ts
// then type-checks angular-client-usage.ts against it, so a schema change that
// would break the frontend's build breaks a test here first.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NgOpenApiGen, filterPaths } from 'ng-openapi-gen';

type GeneratorOptions = ConstructorParameters<typeof NgOpenApiGen>[1];
type OpenApiDocument = ReturnType<typeof import('../../src/http/docs').buildOpenApiDocument>;

export const ROOT = path.resolve(__dirname, '../..');
export const CONFIG_FILE = path.join(__dirname, 'ng-openapi-gen.json');

export interface GenerateOptions {
  /** Where to write, from the repository root; defaults to the config's `output`. */
  output?: string;
  /** ng-openapi-gen's per-file log; off unless asked for. */
  silent?: boolean;
  /** Edits the document before generation: tests use it to play a breaking schema change. */
  transform?: (document: OpenApiDocument) => void;
}

export interface GeneratedClient {
  /** Absolute path of the generated client (clients/angular unless overridden). */
  output: string;
  models: number;
  services: number;
}

async function writeOpenApiDocument(file: string, transform?: GenerateOptions['transform']): Promise<void> {
  // The app's config is read when src is first imported: quiet logs before that.
  process.env.LOG_LEVEL ??= 'silent';
  const { buildApi } = await import('../../src/app');
  const { buildOpenApiDocument } = await import('../../src/http/docs');
  const document = buildOpenApiDocument(buildApi());
  transform?.(document);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Writes the OpenAPI document to a temp file and runs ng-openapi-gen on it, the
 * way its CLI does (parse, filter tags, generate), with the committed options.
 */
export async function generateAngularClient(overrides: GenerateOptions = {}): Promise<GeneratedClient> {
  const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as GeneratorOptions & { $schema?: string };
  const { $schema: _schema, ...fromFile } = config;
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-openapi-'));
  try {
    const input = path.join(dir, 'openapi.json');
    await writeOpenApiDocument(input, overrides.transform);
    const output = path.resolve(ROOT, overrides.output ?? fromFile.output ?? 'clients/angular');
    const options: GeneratorOptions = { ...fromFile, input, output, silent: overrides.silent ?? true };
    const openApi = JSON.parse(readFileSync(input, 'utf8')) as NgOpenApiGen['openApi'];
    openApi.paths = filterPaths(openApi.paths ?? {}, options.excludeTags, options.excludePaths, options.includeTags);
    const generator = new NgOpenApiGen(openApi, options);
    generator.generate();
    return { output, models: generator.models.size, services: generator.services.size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const started = Date.now();
  generateAngularClient()
    .then(({ output, models, services }) => {
      const where = path.relative(process.cwd(), output) || '.';
      console.error(`Angular client written to ${where}: ${models} models, ${services} services (${Date.now() - started} ms)`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
