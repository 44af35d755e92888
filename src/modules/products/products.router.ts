import type { Request } from 'express';
import type { Api, Reply } from '../../http/api';
import { baseUrl } from '../../http/base-url';
import { pageRequest, paginate } from '../../http/pagination';
import { idParams } from '../../http/params';
import { singleFileUpload } from '../../http/upload';
import {
  createProductBody,
  ifMatchHeaders,
  productForm,
  productListQuery,
  productPage,
  productSchema,
  replaceProductBody,
  updateProductBody,
} from './products.schemas';
import * as products from './products.service';

const tag = 'products';
const upload = singleFileUpload('image');
// A 5,000-character description escaped as \uXXXX is 30 KB: room for it, no more.
const staffWrite = { auth: 'staff' as const, multipart: productForm, middleware: [upload], bodyLimit: '64kb' };

const withVersion = { ETag: 'The version to send back as If-Match when changing the product' };

/** The product as JSON, with its version as the ETag. */
function productReply(req: Request, product: products.Product, status = 200): Reply {
  return { status, body: products.toProduct(product, baseUrl(req)), headers: { ETag: products.productVersion(product) } };
}

function imageChange(req: Request, body: { image?: null }): products.ImageChange {
  if (req.file) return { kind: 'set', bytes: req.file.buffer };
  return body.image === null ? { kind: 'clear' } : { kind: 'keep' };
}

export function registerProductRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/api/products/', tag, summary: 'List products',
      description: 'Paginated; filter with search, min_price, max_price, in_stock; sort with ordering.',
      query: productListQuery,
      responses: { 200: { description: 'A page of products', schema: productPage } },
    },
    async ({ req, query }) => {
      const page = await products.listProducts(query, pageRequest(query));
      const base = baseUrl(req);
      const results = page.results.map((p) => products.toProduct(p, base));
      return { status: 200, body: paginate(req, query, { count: page.count, results }) };
    },
  );

  api.route(
    {
      method: 'get', path: '/api/products/{id}/', tag, summary: 'One product', params: idParams,
      responses: { 200: { description: 'The product', schema: productSchema, headers: withVersion } },
    },
    async ({ req, params }) => productReply(req, await products.getProduct(params.id)),
  );

  api.route(
    {
      method: 'post', path: '/api/products/', tag, summary: 'Create a product (staff)', ...staffWrite,
      body: createProductBody,
      responses: { 201: { description: 'The new product', schema: productSchema, headers: withVersion } },
    },
    async ({ req, body }) => productReply(req, await products.createProduct(body, imageChange(req, body)), 201),
  );

  const writes = [
    { method: 'put' as const, body: replaceProductBody, summary: 'Replace a product (staff)', description: 'Every field but the image must be given. The image is kept unless a file or `image: null` is sent.' },
    { method: 'patch' as const, body: updateProductBody, summary: 'Change some fields of a product (staff)', description: 'Only the given fields change.' },
  ];
  for (const { method, body: schema, summary, description } of writes) {
    api.route(
      {
        method, path: '/api/products/{id}/', tag, summary, description, ...staffWrite, params: idParams, body: schema,
        headers: ifMatchHeaders,
        responses: {
          200: { description: 'The product', schema: productSchema, headers: withVersion },
          412: { description: 'If-Match was sent and the product has changed since' },
        },
      },
      async ({ req, params, body, headers }) =>
        productReply(req, await products.updateProduct(params.id, body, imageChange(req, body), headers['if-match'])),
    );
  }

  api.route(
    {
      method: 'delete', path: '/api/products/{id}/', tag, summary: 'Delete a product (staff)',
      description: 'Orders that contain it keep their lines, with the name and price as bought.',
      auth: 'staff', params: idParams,
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ params }) => {
      await products.deleteProduct(params.id);
      return { status: 204 };
    },
  );
}
