import type { Request } from 'express';
import type { Api, Reply } from '../../http/api';
import { baseUrl } from '../../http/base-url';
import { ifNoneMatchHeaders, notModified, weakETag } from '../../http/conditional';
import { JsonText } from '../../http/json-text';
import { pageRequest, paginate, type PageQuery } from '../../http/pagination';
import { idParams } from '../../http/params';
import { singleFileUpload } from '../../http/upload';
import {
  createProductBody,
  ifMatchHeaders,
  productForm,
  productListQuery,
  productPage,
  type ProductListQuery,
  productSchema,
  replaceProductBody,
  updateProductBody,
} from './products.schemas';
import * as products from './products.service';
import { apiActor } from '../audit/audit.service';
import type { AuthUser } from '../users/users.service';

const tag = 'products';
const upload = singleFileUpload('image');
// A 5,000-character description escaped as \uXXXX is 30 KB: room for it, no more.
const staffWrite = { auth: 'staff' as const, multipart: productForm, middleware: [upload], bodyLimit: '64kb' };

const withVersion = { ETag: 'The version: send it back as If-Match when changing the product, or as If-None-Match to get a 304 while it is unchanged' };

/** The product as JSON, with its version as the ETag. */
function productReply(req: Request, product: products.Product, status = 200): Reply {
  return { status, body: products.toProduct(product, baseUrl(req)), headers: { ETag: products.productVersion(product) } };
}

const notModifiedResponse = { description: 'Not modified: If-None-Match named the current ETag', headers: { ETag: 'The current ETag' } };

/** 200 with the body and its ETag, or 304 with the ETag alone when the client holds it already. */
function conditionalReply(ifNoneMatch: string | undefined, etag: string, body: unknown): Reply {
  return notModified(ifNoneMatch, etag) ? { status: 304, headers: { ETag: etag } } : { status: 200, body, headers: { ETag: etag } };
}

/** The staff member calling the API, as the change log names them. */

function imageChange(req: Request, body: { image?: null }): products.ImageChange {
  if (req.file) return { kind: 'set', bytes: req.file.buffer };
  return body.image === null ? { kind: 'clear' } : { kind: 'keep' };
}

type ListQuery = ProductListQuery & PageQuery;

/** `?cursor=` for the given cursor, the page number dropped, every other parameter kept. */
function cursorLink(req: Request, query: ListQuery, cursor: products.ProductCursor | undefined): string | null {
  if (!cursor) return null;
  const current = new URL(req.originalUrl, 'http://placeholder');
  const target = new URL(baseUrl(req) + current.pathname + current.search);
  target.searchParams.delete('page');
  target.searchParams.set('cursor', products.encodeCursor(cursor));
  return target.toString();
}

/** A page by number; its `next` turns into a cursor where page numbers stop. */
async function numberedPage(req: Request, query: ListQuery, base: string) {
  const page = await products.listProducts(query, pageRequest(query), base);
  const body = paginate(req, query, page);
  const last = page.results.at(-1);
  if (body.next && last && query.page * query.page_size >= products.MAX_PAGED_ROWS) {
    body.next = cursorLink(req, query, products.cursorAt(query.ordering ?? products.DEFAULT_ORDERING, last, 'next'));
  }
  return { page, body };
}

/** A keyset page: `next` after its last row while more follow, `previous` before its first while more precede. */
async function cursorPage(req: Request, query: ListQuery, cursor: string, base: string) {
  const page = await products.listProductsAfter(query, cursor, query.page_size, base);
  const backwards = page.cursor.direction === 'previous';
  const [first, last] = [page.results[0], page.results.at(-1)];
  const ordering = page.cursor.ordering;
  const body = {
    count: page.count,
    next: last && (backwards || page.more) ? cursorLink(req, query, products.cursorAt(ordering, last, 'next')) : null,
    previous: first && (!backwards || page.more) ? cursorLink(req, query, products.cursorAt(ordering, first, 'previous')) : null,
    results: page.results,
  };
  return { page, body };
}

export function registerProductRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/api/products/', tag, summary: 'List products',
      description: 'Paginated; filter with search, category, min_price, max_price, in_stock; sort with ordering. '
        + `Page numbers reach the first ${products.MAX_PAGED_ROWS} products (a deeper page is a 400 \`page_too_deep\`); the \`next\` link of the last such page carries a \`cursor\`, and cursor pages go on with \`next\` and \`previous\` at the same cost at any depth.`,
      query: productListQuery, headers: ifNoneMatchHeaders,
      responses: {
        200: { description: 'A page of products', schema: productPage, headers: { ETag: 'Send it back as If-None-Match: 304 while this page is unchanged' } },
        304: notModifiedResponse,
      },
    },
    async ({ req, query, headers }) => {
      const base = baseUrl(req);
      const { page, body } = query.cursor ? await cursorPage(req, query, query.cursor, base) : await numberedPage(req, query, base);
      // The page is fixed by its links (base URL and query), the count, and
      // which products in which version, in that order: so it is told apart
      // without serialising the body.
      const etag = weakETag([base, req.originalUrl, page.count, ...page.results.map((p) => `${p.id}@${p.updated_at}`)]);
      return conditionalReply(headers['if-none-match'], etag, body);
    },
  );

  api.route(
    {
      method: 'get', path: '/api/products/{id}/', tag, summary: 'One product', params: idParams, headers: ifNoneMatchHeaders,
      responses: {
        200: { description: 'The product', schema: productSchema, headers: withVersion },
        304: notModifiedResponse,
      },
    },
    async ({ req, params, headers }) => {
      const { json, updatedAt } = await products.getProductText(params.id, baseUrl(req));
      return conditionalReply(headers['if-none-match'], products.productVersion({ id: params.id, updatedAt }), new JsonText(json));
    },
  );

  api.route(
    {
      method: 'post', path: '/api/products/', tag, summary: 'Create a product (staff)', ...staffWrite,
      body: createProductBody,
      responses: { 201: { description: 'The new product', schema: productSchema, headers: withVersion } },
    },
    async ({ req, body, user }) => productReply(req, await products.createProduct(body, imageChange(req, body), apiActor(user)), 201),
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
      async ({ req, params, body, headers, user }) =>
        productReply(req, await products.updateProduct(params.id, body, imageChange(req, body), headers['if-match'], apiActor(user))),
    );
  }

  api.route(
    {
      method: 'delete', path: '/api/products/{id}/', tag, summary: 'Delete a product (staff)',
      description: 'Orders that contain it keep their lines, with the name and price as bought.',
      auth: 'staff', params: idParams,
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ params, user }) => {
      await products.deleteProduct(params.id, apiActor(user));
      return { status: 204 };
    },
  );
}
