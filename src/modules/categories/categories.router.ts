import type { Api } from '../../http/api';
import { idParams } from '../../http/params';
import { apiActor } from '../audit/audit.service';
import { categoryInput, categoryInUseProblem, categoryList, categoryPatch, categorySchema } from './categories.schemas';
import * as categories from './categories.service';

const tag = 'categories';
const auth = 'staff' as const;
const refusals = 'Invalid input; also a slug already taken (errors.slug), an unknown parent_id, or a parent_id that is the category itself or one under it (errors.parent_id)';

export function registerCategoryRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/api/categories/', tag, summary: 'List categories',
      description: 'Every category, ordered by name (then id); not paginated. The tree is in each one\'s parent_id.',
      responses: { 200: { description: 'Every category', schema: categoryList } },
    },
    async () => ({ status: 200, body: await categories.listCategories() }),
  );

  api.route(
    {
      method: 'post', path: '/api/categories/', tag, auth, summary: 'Create a category (staff)', body: categoryInput,
      responses: { 201: { description: 'The new category', schema: categorySchema }, 400: { description: refusals } },
    },
    async ({ body, user }) => ({ status: 201, body: await categories.createCategory(body, apiActor(user)) }),
  );

  api.route(
    {
      method: 'get', path: '/api/categories/{id}/', tag, summary: 'One category', params: idParams,
      responses: { 200: { description: 'The category', schema: categorySchema } },
    },
    async ({ params }) => ({ status: 200, body: await categories.getCategory(params.id) }),
  );

  const writes = [
    { method: 'put' as const, body: categoryInput, summary: 'Replace a category (staff)', description: 'name and slug must be given; an omitted parent_id makes it a top-level category.' },
    { method: 'patch' as const, body: categoryPatch, summary: 'Change some fields of a category (staff)', description: 'Only the given fields change.' },
  ];
  for (const { method, body: schema, summary, description } of writes) {
    api.route(
      {
        method, path: '/api/categories/{id}/', tag, auth, summary, description, params: idParams, body: schema,
        responses: { 200: { description: 'The category', schema: categorySchema }, 400: { description: refusals } },
      },
      async ({ params, body, user }) => ({ status: 200, body: await categories.updateCategory(params.id, body, apiActor(user)) }),
    );
  }

  api.route(
    {
      method: 'delete', path: '/api/categories/{id}/', tag, auth, summary: 'Delete a category (staff)',
      description: 'Refused with 409 `category_in_use` while products or other categories sit in it.',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 409: { description: 'The category still holds products or other categories', schema: categoryInUseProblem } },
    },
    async ({ params, user }) => {
      await categories.deleteCategory(params.id, apiActor(user));
      return { status: 204 };
    },
  );
}
