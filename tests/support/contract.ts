// Every response the API tests receive is checked against /openapi.json: the
// status must be documented for that operation, the content type must be one
// it lists, and a JSON body must match its schema (Ajv, JSON Schema 2020-12,
// the dialect of OpenAPI 3.1). An undocumented status or field fails the test
// that provoked it.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Express, type RequestHandler } from 'express';
import { buildApi } from '../../src/app';
import { buildOpenApiDocument } from '../../src/http/docs';

type Document = ReturnType<typeof buildOpenApiDocument>;
interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}

export const document: Document = buildOpenApiDocument(buildApi());

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('binary', true);
ajv.addSchema({ ...document, $id: 'openapi.json' } as object);

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validatorFor(path: string, method: string, status: string, mediaType: string): ValidateFunction {
  const ref = `openapi.json#/${pointer('paths', path, method, 'responses', status, 'content', mediaType, 'schema')}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate;
}

const templates = Object.keys(document.paths ?? {}).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\/$/, '').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
}));

/** Paths served outside the API, with nothing to check against. */
const UNDOCUMENTED = [/^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/admin(\/|$)/];

export interface ObservedResponse {
  method: string;
  url: string;
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

export function contractProblems(response: ObservedResponse): string[] {
  const path = response.url.split('?')[0]!;
  const method = response.method.toLowerCase();
  const where = `${response.method} ${response.url} -> ${response.status}`;
  if (method === 'options' || method === 'head' || UNDOCUMENTED.some((p) => p.test(path))) return [];

  const match = templates.find((t) => t.pattern.test(path));
  if (!match) {
    return response.status === 404 && response.contentType?.startsWith('application/problem+json') ? [] : [`${where}: no documented path`];
  }
  const operation = (document.paths as Record<string, Record<string, Operation>>)[match.template]![method];
  if (!operation) return response.status === 405 ? [] : [`${where}: method not documented for ${match.template}`];

  const status = String(response.status);
  const documented = operation.responses[status];
  if (!documented) return [`${where}: status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
  if (!documented.content) return response.body.length === 0 ? [] : [`${where}: documented without a body, but one was sent`];

  const mediaType = response.contentType?.split(';')[0]!.trim() ?? '';
  if (!(mediaType in documented.content)) {
    return [`${where}: content type "${mediaType}" not documented (documented: ${Object.keys(documented.content).join(', ')})`];
  }
  if (!mediaType.endsWith('json')) return [];
  const validate = validatorFor(match.template, method, status, mediaType);
  if (validate(JSON.parse(response.body.toString('utf8')))) return [];
  return [`${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`];
}

const violations: string[] = [];

/** Problems seen since the last call (the test setup fails a test that leaves any). */
export function takeContractViolations(): string[] {
  return violations.splice(0, violations.length);
}

const recordResponse: RequestHandler = (req, res, next) => {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk, rest[0]), write(chunk, ...rest))) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => (keep(chunk, rest[0]), end(chunk, ...rest))) as typeof res.end;
  res.on('finish', () => {
    const contentType = res.getHeader('content-type');
    violations.push(
      ...contractProblems({
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : undefined,
        body: Buffer.concat(chunks),
      }),
    );
  });
  next();
};

/** The app, with every response it sends checked against the OpenAPI document. */
export function contractChecked(app: Express): Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use(recordResponse, app);
  return outer;
}
