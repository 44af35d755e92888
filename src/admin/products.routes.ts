// Products in the admin site: the API's list (search, filters, orderings) in
// pages of 25, create and edit forms with an image upload, and deletion behind
// a confirmation page. Forms are checked by the API's own schemas and saved
// through the products service, which keeps the If-Match rule (a form loaded
// before a sale cannot put the old stock back) and writes the change log in
// the same transaction as the change.
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { fileTooLargeMessage } from '../http/upload';
import { PageTooDeepError, StaleVersionError, type FieldErrors } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import { categoryTree } from '../modules/categories/categories.service';
import { adminProductListQuery, createProductBody, ORDERINGS, replaceProductBody } from '../modules/products/products.schemas';
import * as products from '../modules/products/products.service';
import { adminActor, checkboxField, parseForm, pathId, refusal, textField } from './form-input';
import { uploadTooLarge } from './form-upload';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

const NOTICES = {
  created: 'The product was created.',
  saved: 'The changes were saved.',
  deleted: 'The product was deleted; orders that contain it keep their lines.',
};
const NO_PRODUCT = 'No product matches the given query.';
const STALE = 'This product changed after you loaded the form (it was saved elsewhere, or an order changed its stock), so nothing was saved. The form now shows the current values: make your changes again.';

/** The list's parameters, as the API names them; they are kept by every link of the list. */
const FILTERS = ['search', 'category', 'min_price', 'max_price', 'in_stock', 'max_stock', 'ordering'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** The columns that sort, each by one of the API's orderings (ascending first). */
const SORTABLE = { name: 'Name', price: 'Price', stock: 'Stock', created_at: 'Added' } as const;

/** The ordering a column's header link asks for: ascending first, then the reverse. */
function nextOrdering(column: keyof typeof SORTABLE, current: string): (typeof ORDERINGS)[number] {
  return current === column ? `-${column}` : column;
}

/** What the form sends: strings, as the API's multipart body does. */
interface ProductForm {
  name: string;
  description: string;
  price: string;
  stock: string;
  /** A category's id, or '' for none. */
  category_id: string;
}

const formOf = (body: Record<string, unknown>): ProductForm => ({
  name: textField(body.name),
  description: textField(body.description),
  price: textField(body.price),
  stock: textField(body.stock),
  category_id: textField(body.category_id),
});

/** A new file replaces the image; otherwise the checkbox may remove it. */
function imageChange(req: Request): products.ImageChange {
  if (req.file) return { kind: 'set', bytes: req.file.buffer };
  return checkboxField(req.body?.remove_image) ? { kind: 'clear' } : { kind: 'keep' };
}


type CheckedForm<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; status: 400 | 413 };

/** The form by the API's schema; an image over the size limit is one more field error, and makes the answer a 413. */
function checkForm<S extends z.ZodType>(req: Request, schema: S, values: ProductForm): CheckedForm<z.output<S>> {
  const form = parseForm(schema, values);
  if (!uploadTooLarge(req)) return form.ok ? form : { ...form, status: 400 };
  return { ok: false, errors: { ...(form.ok ? {} : form.errors), image: [fileTooLargeMessage()] }, status: 413 };
}

interface EditState {
  values?: ProductForm;
  errors?: FieldErrors;
  /** The version the form was loaded at; by default the current one. */
  version?: string;
  /** What staff entered in a form that was refused as stale (shown, not saved). */
  refused?: ProductForm;
  notice?: string;
}

async function showProduct(res: Response, id: number, state: EditState = {}, status = 200): Promise<void> {
  // '' as the base: the preview's URL is /media/<name> on this same origin.
  const { product, updatedAt } = await products.getProduct(id, '');
  const [log, categories] = await Promise.all([changesOf('product', id), categoryTree()]);
  render(res, 'products/edit', {
    title: `Product ${product.name}`,
    product,
    values: state.values ?? { name: product.name, description: product.description, price: product.price, stock: String(product.stock), category_id: product.category_id === null ? '' : String(product.category_id) },
    categories,
    version: state.version ?? products.productVersion({ id, updatedAt }),
    errors: state.errors ?? {},
    refused: state.refused,
    log,
    notice: state.notice,
  }, status);
}

async function showDeletePage(res: Response, id: number): Promise<void> {
  const { product } = await products.getProduct(id, '');
  render(res, 'products/delete', { title: `Delete product ${product.name}`, product });
}

const renderNew = async (res: Response, values: ProductForm, errors: FieldErrors = {}, status = 200) =>
  render(res, 'products/new', { title: 'Add product', values, errors, categories: await categoryTree() }, status);

export function productsSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const filters = Object.fromEntries(FILTERS.map((name) => [name, textField(req.query[name]).trim().slice(0, 200)])) as Filters;
    const given = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
    const page = pageNumber(req.query.page);
    const common = { title: 'Products', filters, queryString, sortable: SORTABLE, nextOrdering, notice: noticeOf(NOTICES, req.query.notice), categories: await categoryTree() };
    const parsed = parseForm(adminProductListQuery, given);
    const refused = (errors: FieldErrors) => render(res, 'products/list', { ...common, errors, products: [], pager: pagerOf(1, 0) }, 400);
    if (!parsed.ok) return refused(parsed.errors);
    let found: Awaited<ReturnType<typeof products.listProducts>>;
    try {
      // The count is exact on every page (past the end too), so one call is the whole page.
      found = await products.listProducts(parsed.value, pageRequestOf(page), '');
    } catch (error) {
      // A category filter that names no category: the service's message, beside the filter;
      // a page number past the rows page numbers reach: the service's message, above the list.
      return refused(error instanceof PageTooDeepError ? { non_field_errors: [error.message] } : refusal(error));
    }
    const { count, results } = found;
    const pager = pagerOf(page, count);
    render(res, 'products/list', { ...common, errors: {}, ordering: parsed.value.ordering ?? '-created_at', products: results, pager }, listStatus(pager));
  });

  router.get('/new', (_req, res) => renderNew(res, { name: '', description: '', price: '', stock: '0', category_id: '' }));

  router.post('/new', async (req, res) => {
    const values = formOf(req.body);
    const form = checkForm(req, createProductBody, values);
    if (!form.ok) return renderNew(res, values, form.errors, form.status);
    try {
      const product = await products.createProduct(form.value, imageChange(req), adminActor(res));
      res.redirect(303, `/admin/products/${product.id}/?notice=created`);
    } catch (error) {
      await renderNew(res, values, refusal(error), 400);
    }
  });

  router.get('/:id', async (req, res) => {
    await showProduct(res, pathId(req, NO_PRODUCT), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  router.post('/:id', async (req, res) => {
    const id = pathId(req, NO_PRODUCT);
    const values = formOf(req.body);
    const version = textField(req.body.version);
    const stale = () => showProduct(res, id, { refused: values, errors: { non_field_errors: [STALE] } }, 409);
    // Every edit form carries the version it was loaded at; without one, the form cannot prove it is current.
    if (!version) return stale();
    const form = checkForm(req, replaceProductBody, values);
    if (!form.ok) return showProduct(res, id, { values, errors: form.errors, version }, form.status);
    try {
      await products.updateProduct(id, form.value, imageChange(req), version, adminActor(res));
      res.redirect(303, `/admin/products/${id}/?notice=saved`);
    } catch (error) {
      if (error instanceof StaleVersionError) return stale();
      await showProduct(res, id, { values, errors: refusal(error), version }, 400);
    }
  });

  router.get('/:id/delete', async (req, res) => {
    await showDeletePage(res, pathId(req, NO_PRODUCT));
  });

  router.post('/:id/delete', async (req, res) => {
    await products.deleteProduct(pathId(req, NO_PRODUCT), adminActor(res));
    res.redirect(303, '/admin/products/?notice=deleted');
  });

  return router;
}

