// What Swagger UI, Postman and generated clients rely on in the document itself.
import { document } from '../support/contract';

const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Record<string, unknown>>).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, op })),
);
const schemas = (document.components?.schemas ?? {}) as Record<string, { example?: unknown }>;
const resolve = (schema: { $ref?: string; example?: unknown }) => (schema.$ref ? schemas[schema.$ref.split('/').pop()!]! : schema);

describe('the OpenAPI document', () => {
  it.each(operations)('$id has a summary, a module tag and an operationId', ({ op }) => {
    expect(op.summary).toEqual(expect.any(String));
    expect(op.tags).toEqual([expect.stringMatching(/^(auth|users|products|categories|cart|orders|payments|service)$/)]);
    expect(op.operationId).toMatch(/^[a-z_]+$/);
  });

  it.each(operations)('$id asks for a token exactly when the route needs one', ({ id, op }) => {
    const needsToken =
      (/ \/api\/(users|cart|orders)\//.test(id) && !/\/(register|password-reset|password-reset\/confirm)\/$/.test(id)) || /^(POST|PUT|PATCH|DELETE) \/api\/(products|categories)\//.test(id);
    // /metrics is for Prometheus, with its own token (METRICS_TOKEN), not a user's.
    if (id === 'GET /metrics') return expect(op.security).toEqual([{ metricsToken: [] }]);
    expect(op.security).toEqual(needsToken ? [{ bearerAuth: [] }] : []);
  });

  it.each(operations.filter(({ op }) => op.requestBody))('$id has an example for each request body', ({ op }) => {
    const content = (op.requestBody as { content: Record<string, { schema: { $ref?: string }; example?: unknown }> }).content;
    for (const media of Object.values(content)) expect(media.example ?? resolve(media.schema).example).toBeDefined();
  });

  it('describes the multipart image upload so Swagger UI shows a file input', () => {
    const form = schemas.ProductForm as unknown as { properties: { image: { format: string } } };
    expect(form.properties.image.format).toBe('binary');
  });
});
