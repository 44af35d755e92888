// Categories in the admin site: the tree with each category's parent and
// product count, create and edit forms, and deletion behind a confirmation
// page. Forms are checked by the API's schema and saved through the categories
// service, so the database's refusals (a slug taken, a move under its own
// subcategory, a delete while in use) read as they do in the API.
import { Router, type Response } from 'express';
import { ConflictError, NotFoundError, type FieldErrors } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import { categoryInput } from '../modules/categories/categories.schemas';
import * as categories from '../modules/categories/categories.service';
import { adminActor, parseForm, pathId, refusal, textField } from './form-input';
import { noticeOf } from './list-page';
import { queryString, render, sortHeader } from './render';

const NOTICES = {
  created: 'The category was created.',
  saved: 'The changes were saved.',
  deleted: 'The category was deleted.',
};

/** What the form sends: strings; the parent is a category's id, or '' for none. */
interface CategoryForm {
  name: string;
  slug: string;
  parent_id: string;
}

const formOf = (body: Record<string, unknown>): CategoryForm => ({
  name: textField(body.name),
  slug: textField(body.slug),
  parent_id: textField(body.parent_id),
});

/** The form as the API's JSON: no parent is null, an id a number; anything else is left for the schema to refuse. */
const inputOf = (form: CategoryForm) => ({
  name: form.name,
  slug: form.slug,
  parent_id: form.parent_id === '' ? null : /^\d{1,10}$/.test(form.parent_id) ? Number(form.parent_id) : form.parent_id,
});

const renderNew = async (res: Response, values: CategoryForm, errors: FieldErrors = {}, status = 200) =>
  render(res, 'categories/new', { title: 'Add category', values, errors, parents: await categories.categoryTree() }, status);

interface EditState {
  values?: CategoryForm;
  errors?: FieldErrors;
  notice?: string;
}

async function showCategory(res: Response, id: number, state: EditState = {}, status = 200): Promise<void> {
  const [category, tree, log] = await Promise.all([categories.getCategory(id), categories.categoryTree(), changesOf('category', id)]);
  render(res, 'categories/edit', {
    title: `Category ${category.name}`,
    category,
    node: tree.find((node) => node.id === id),
    values: state.values ?? { name: category.name, slug: category.slug, parent_id: category.parent_id === null ? '' : String(category.parent_id) },
    errors: state.errors ?? {},
    parents: categories.possibleParents(tree, id),
    log,
    notice: state.notice,
  }, status);
}

async function showDeletePage(res: Response, id: number, error?: string, status = 200): Promise<void> {
  const tree = await categories.categoryTree();
  const node = tree.find((n) => n.id === id);
  if (!node) throw new NotFoundError(categories.NO_CATEGORY);
  const children = tree.filter((n) => n.parent_id === id);
  render(res, 'categories/delete', { title: `Delete category ${node.name}`, node, children, error }, status);
}

export function categoriesSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const rawSort = textField(req.query.sort);
    const sort = (categories.CATEGORY_SORTS as readonly string[]).includes(rawSort) ? (rawSort as categories.CategorySort) : 'name';
    const tree = await categories.categoryTree();
    render(res, 'categories/list', {
      title: 'Categories', categories: categories.sortedTree(tree, sort), sort, queryString, sortHeader, notice: noticeOf(NOTICES, req.query.notice),
    });
  });

  router.get('/new', (_req, res) => renderNew(res, { name: '', slug: '', parent_id: '' }));

  router.post('/new', async (req, res) => {
    const values = formOf(req.body);
    const form = parseForm(categoryInput, inputOf(values));
    if (!form.ok) return renderNew(res, values, form.errors, 400);
    try {
      const category = await categories.createCategory(form.value, adminActor(res));
      res.redirect(303, `/admin/categories/${category.id}/?notice=created`);
    } catch (error) {
      await renderNew(res, values, refusal(error), 400);
    }
  });

  router.get('/:id', async (req, res) => {
    await showCategory(res, pathId(req, categories.NO_CATEGORY), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  router.post('/:id', async (req, res) => {
    const id = pathId(req, categories.NO_CATEGORY);
    const values = formOf(req.body);
    const form = parseForm(categoryInput, inputOf(values));
    if (!form.ok) return showCategory(res, id, { values, errors: form.errors }, 400);
    try {
      await categories.updateCategory(id, form.value, adminActor(res));
      res.redirect(303, `/admin/categories/${id}/?notice=saved`);
    } catch (error) {
      await showCategory(res, id, { values, errors: refusal(error) }, 400);
    }
  });

  router.get('/:id/delete', async (req, res) => {
    await showDeletePage(res, pathId(req, categories.NO_CATEGORY));
  });

  router.post('/:id/delete', async (req, res) => {
    const id = pathId(req, categories.NO_CATEGORY);
    try {
      await categories.deleteCategory(id, adminActor(res));
      res.redirect(303, '/admin/categories/?notice=deleted');
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await showDeletePage(res, id, error.message, 409);
    }
  });

  return router;
}
