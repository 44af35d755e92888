// /openapi.json and Swagger UI at /docs, both from the routes' own schemas.
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Api } from './api';

export function buildOpenApiDocument(api: Api) {
  return new OpenApiGeneratorV31(api.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Shop API',
      version: '1.0.0',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      description:
        'E-commerce REST API. Log in with POST /api/token/, then use **Authorize** with the `access` token. ' +
        'Errors are RFC 9457 problem documents that always carry `detail`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'auth', description: 'Accounts and JWT tokens (SimpleJWT shapes)' },
      { name: 'users', description: 'The current user, and user administration' },
      { name: 'products', description: 'The catalog' },
      { name: 'categories', description: 'The catalog\'s tree of categories' },
      { name: 'cart', description: "The current user's cart" },
      { name: 'orders', description: 'Orders and checkout' },
      { name: 'service', description: 'Health and readiness' },
    ],
  });
}

export function docsRouter(api: Api): Router {
  const router = Router();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  const getDocument = () => (document ??= buildOpenApiDocument(api));
  router.get('/openapi.json', (_req, res) => {
    res.json(getDocument());
  });
  router.use(
    '/docs',
    swaggerUi.serveFiles(undefined, { swaggerOptions: { url: '/openapi.json', persistAuthorization: true } }),
    swaggerUi.setup(undefined, { swaggerOptions: { url: '/openapi.json', persistAuthorization: true } }),
  );
  return router;
}
