// Categories, a tree through parent_id, for the API, the admin site and the
// products list's ?category= filter. The database keeps the tree's rules
// (unique slug, existing parent, no cycle, no delete while in use); this
// module writes, and turns the database's refusals into the API's errors
// (categories.errors.ts). Every staff change is logged in its transaction.
import { db, type Db, Prisma } from '../../lib/db';
import { NotFoundError } from '../../lib/errors';
import { readRows } from '../../lib/pg';
import { changedFields, recordChange, type Actor } from '../audit/audit.service';
import { deleteRefusal, writeRefusal } from './categories.errors';
import type { CategoryInput, CategoryJson, CategoryPatch } from './categories.schemas';

type CategoryRow = Prisma.CategoryGetPayload<object>;

export const NO_CATEGORY = 'No category matches the given query.';
const notFound = () => new NotFoundError(NO_CATEGORY);

export function toCategory(row: Pick<CategoryRow, 'id' | 'name' | 'slug' | 'parentId'>): CategoryJson {
  return { id: row.id, name: row.name, slug: row.slug, parent_id: row.parentId };
}

/** The fields the change log compares, as the API names them. */
const logged = (c: CategoryJson) => ({ name: c.name, slug: c.slug, parent_id: c.parent_id });
const NOTHING = { name: null, slug: null, parent_id: null };

/** A catalog hot read (every shop page's menu): on the driver through readRows, as the products' reads are. */
export async function listCategories(client: Db = db()): Promise<CategoryJson[]> {
  return readRows<CategoryJson>(client, Prisma.sql`
    SELECT id, name, slug, parent_id FROM categories ORDER BY name, id`);
}

export async function getCategory(id: number, client: Db = db()): Promise<CategoryJson> {
  const row = await client.category.findUnique({ where: { id } });
  if (!row) throw notFound();
  return toCategory(row);
}

export async function createCategory(input: CategoryInput, actor?: Actor): Promise<CategoryJson> {
  try {
    return await db().$transaction(async (tx) => {
      const after = toCategory(await tx.category.create({ data: { name: input.name, slug: input.slug, parentId: input.parent_id } }));
      await recordChange(tx, actor, { action: 'create', objectType: 'category', objectId: after.id, objectRepr: after.name, changes: changedFields(NOTHING, logged(after)) });
      return after;
    });
  } catch (error) {
    throw writeRefusal(error, input.parent_id);
  }
}

/**
 * PUT (a whole CategoryInput) and PATCH. The row is locked FOR NO KEY UPDATE,
 * as the UPDATE itself would: a stronger lock would block the foreign-key
 * check of a concurrent move under this category, and two crossed moves
 * would deadlock instead of one being refused as a cycle by the trigger.
 */
export async function updateCategory(id: number, patch: CategoryPatch, actor?: Actor): Promise<CategoryJson> {
  try {
    return await db().$transaction(async (tx) => {
      const [before] = await tx.$queryRaw<{ id: number; name: string; slug: string; parentId: number | null }[]>`
        SELECT id, name, slug, parent_id AS "parentId" FROM categories WHERE id = ${id} FOR NO KEY UPDATE`;
      if (!before) throw notFound();
      const after = toCategory(await tx.category.update({ where: { id }, data: { name: patch.name, slug: patch.slug, parentId: patch.parent_id } }));
      const changes = changedFields(logged(toCategory(before)), logged(after));
      await recordChange(tx, actor, { action: 'update', objectType: 'category', objectId: id, objectRepr: after.name, changes });
      return after;
    });
  } catch (error) {
    throw writeRefusal(error, patch.parent_id);
  }
}

/** Refused (409 category_in_use) by the RESTRICT foreign keys while products or other categories sit in it. */
export async function deleteCategory(id: number, actor?: Actor): Promise<void> {
  const before = await getCategory(id);
  try {
    await db().$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ name: string }[]>`DELETE FROM categories WHERE id = ${id} RETURNING name`;
      if (!row) throw notFound();
      await recordChange(tx, actor, { action: 'delete', objectType: 'category', objectId: id, objectRepr: row.name });
    });
  } catch (error) {
    throw deleteRefusal(error, before.name);
  }
}

const MAX_ID = 2_147_483_647;

/**
 * The ids of a category (by id when `idOrSlug` is all digits, else by slug)
 * and of every category under it, for the products list's filter; undefined
 * when no category matches. One statement: the walk down the tree and the
 * lookup read the same snapshot.
 */
export async function categorySubtree(client: Db, idOrSlug: string): Promise<number[] | undefined> {
  const byId = /^\d+$/.test(idOrSlug);
  if (byId && Number(idOrSlug) > MAX_ID) return undefined;
  const root = byId ? Prisma.sql`id = ${Number(idOrSlug)}` : Prisma.sql`slug = ${idOrSlug}`;
  const rows = await client.$queryRaw<{ id: number }[]>`
    WITH RECURSIVE subtree(id) AS (
      SELECT id FROM categories WHERE ${root}
      UNION
      SELECT c.id FROM categories c JOIN subtree s ON c.parent_id = s.id
    )
    SELECT id FROM subtree ORDER BY id`;
  return rows.length ? rows.map((r) => r.id) : undefined;
}

/** A category as the admin site lists it: its place in the tree, and the products directly in it. */
export interface CategoryNode extends CategoryJson {
  /** "Parent / Child": the names from the top of the tree down to this one. */
  path: string;
  depth: number;
  products: number;
}

/**
 * Every category in tree order (each followed by the categories under it, by
 * name), with its product count from product_counts (kept by triggers), so the
 * list costs the same however many products there are.
 */
export async function categoryTree(client: Db = db()): Promise<CategoryNode[]> {
  const [categories, counts] = await Promise.all([
    listCategories(client),
    client.productCount.findMany({ where: { bucket: { gt: 0 } } }),
  ]);
  const productsIn = new Map(counts.map((c) => [c.bucket, Number(c.products)]));
  const childrenOf = new Map<number | null, CategoryJson[]>();
  for (const category of categories) childrenOf.set(category.parent_id, [...(childrenOf.get(category.parent_id) ?? []), category]);

  const tree: CategoryNode[] = [];
  const stack = [...(childrenOf.get(null) ?? [])].reverse().map((category) => ({ category, path: [] as string[] }));
  while (stack.length) {
    const { category, path } = stack.pop()!;
    const names = [...path, category.name];
    tree.push({ ...category, path: names.join(' / '), depth: path.length, products: productsIn.get(category.id) ?? 0 });
    for (const child of [...(childrenOf.get(category.id) ?? [])].reverse()) stack.push({ category: child, path: names });
  }
  return tree;
}

/** The columns staff may sort the category list by; `name` is the tree's own order. */
export const CATEGORY_SORTS = ['name', '-name', 'slug', '-slug', 'products', '-products'] as const;
export type CategorySort = (typeof CATEGORY_SORTS)[number];

/**
 * The tree sorted for the list: by name is the tree itself (each category
 * followed by those under it), reversed for `-name`; by slug or product count
 * the categories stand apart, ties kept in tree order. Categories are a few
 * hundred at most, so this sorts in memory what categoryTree already read.
 */
export function sortedTree(tree: CategoryNode[], sort: CategorySort): CategoryNode[] {
  const descending = sort.startsWith('-');
  const column = sort.replace(/^-/, '');
  if (column === 'name') return descending ? [...tree].reverse() : tree;
  const key = (node: CategoryNode) => (column === 'slug' ? node.slug : node.products);
  const order = tree.map((node, index) => ({ node, index }));
  order.sort((a, b) => {
    const [x, y] = [key(a.node), key(b.node)];
    const byKey = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -byKey : byKey) || a.index - b.index;
  });
  return order.map(({ node }) => node);
}

/** The categories a category may be moved under: all but itself and those under it. */
export function possibleParents(tree: CategoryNode[], id: number): CategoryNode[] {
  const excluded = new Set([id]);
  for (const node of tree) if (node.parent_id !== null && excluded.has(node.parent_id)) excluded.add(node.id);
  return tree.filter((node) => !excluded.has(node.id));
}
