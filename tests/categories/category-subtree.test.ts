// categorySubtree, which the products list's ?category= filter stands on: a
// category by id or by slug, with every category under it however deep, in
// one statement against the real schema.
import { db } from '../../src/lib/db';
import { categorySubtree } from '../../src/modules/categories/categories.service';

const build = (name: string, slug: string, parentId: number | null = null) => db().category.create({ data: { name, slug, parentId } });

describe('categorySubtree', () => {
  it('answers the category and every category under it, by id or by slug, and nothing beside it', async () => {
    const home = await build('Home', 'home');
    const kitchen = await build('Kitchen', 'kitchen', home.id);
    const kettles = await build('Kettles', 'kettles', kitchen.id);
    const bath = await build('Bath', 'bath', home.id);
    const garden = await build('Garden', 'garden');
    await build('Tools', 'tools', garden.id);

    expect(await categorySubtree(db(), String(home.id))).toEqual([home.id, kitchen.id, kettles.id, bath.id].sort((a, b) => a - b));
    expect(await categorySubtree(db(), 'home')).toEqual(await categorySubtree(db(), String(home.id)));
    expect(await categorySubtree(db(), 'kitchen')).toEqual([kitchen.id, kettles.id]);
    expect(await categorySubtree(db(), String(kettles.id))).toEqual([kettles.id]);
  });

  it('answers undefined when no category matches: an unknown slug or id, or an id past int4', async () => {
    await build('Home', 'home');
    expect(await categorySubtree(db(), 'nowhere')).toBeUndefined();
    expect(await categorySubtree(db(), '424242')).toBeUndefined();
    expect(await categorySubtree(db(), '99999999999')).toBeUndefined();
    expect(await categorySubtree(db(), 'HOME')).toBeUndefined();
  });

  it('runs on the client it is given (a transaction\'s), seeing that transaction\'s own rows', async () => {
    const ids = await db().$transaction(async (tx) => {
      const top = await tx.category.create({ data: { name: 'Top', slug: 'top' } });
      await tx.category.create({ data: { name: 'Child', slug: 'child', parentId: top.id } });
      return categorySubtree(tx, 'top');
    });
    expect(ids).toHaveLength(2);
  });
});
