// The demo seed's categories: a small tree, every demo product in one of them,
// and nothing added on a second run.
import { demoCatalog, demoCategories } from '../../src/cli/demo-catalog';
import { seedDemoData } from '../../src/cli/seed';
import { db } from '../../src/lib/db';
import { api } from '../support/api';

describe('the demo catalog\'s categories', () => {
  it('names only categories it defines, each parent before its children, with valid unique slugs', () => {
    const seen = new Set<string>();
    for (const category of demoCategories) {
      expect(category.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(seen.has(category.slug)).toBe(false);
      if (category.parent) expect(seen.has(category.parent)).toBe(true);
      seen.add(category.slug);
    }
    for (const product of demoCatalog) expect(seen.has(product.category)).toBe(true);
  });

  it('seeds the tree and puts every demo product in its category; a second run adds nothing', async () => {
    await seedDemoData({ withAdmin: false });
    const categories = (await api().get('/api/categories/').expect(200)).body as { id: number; slug: string; parent_id: number | null }[];
    expect(categories).toHaveLength(demoCategories.length);
    const bySlug = new Map(categories.map((c) => [c.slug, c]));
    for (const { slug, parent } of demoCategories) expect(bySlug.get(slug)!.parent_id).toBe(parent ? bySlug.get(parent)!.id : null);
    for (const product of demoCatalog) {
      const row = await db().product.findFirstOrThrow({ where: { name: product.name } });
      expect(row.categoryId).toBe(bySlug.get(product.category)!.id);
    }

    await seedDemoData({ withAdmin: false });
    expect(await db().category.count()).toBe(demoCategories.length);
    expect(await db().product.count()).toBe(demoCatalog.length);
  });
});
