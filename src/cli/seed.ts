// Demo data: the catalog in its categories and, on a development machine
// only, a staff account, a superuser so that every admin page can be tried.
// Safe to run again: existing categories (by slug), products (by name) and an
// existing admin are left as they are.
import { db } from '../lib/db';
import { config, type Config } from '../config';
import { hashPassword } from '../lib/password';
import { exitAfterLogs, logger } from '../lib/logger';
import { detectImageType, saveImage } from '../lib/media';
import { demoCatalog, demoCategories } from './demo-catalog';
import { DEMO_PALETTES, gradientPng } from './demo-images';

/** The demo admin's password is public (README, .env.example): it exists only in development. */
export const demoAdminAllowed = (settings: Config = config) => settings.nodeEnv === 'development';

/** The demo categories by slug, made where missing: parents first, each one under its parent. */
async function seedCategories(): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const { name, slug, parent } of demoCategories) {
    const parentId = parent === undefined ? null : ids.get(parent)!;
    const { id } = await db().category.upsert({ where: { slug }, create: { name, slug, parentId }, update: {}, select: { id: true } });
    ids.set(slug, id);
  }
  return ids;
}

export async function seedDemoData({ withAdmin = demoAdminAllowed() } = {}): Promise<{ products: number; admin: boolean }> {
  const categoryIds = await seedCategories();
  const existing = new Set((await db().product.findMany({ select: { name: true } })).map((p) => p.name));
  const missing = demoCatalog.filter((p) => !existing.has(p.name));
  // The first few new products get a generated picture.
  const data = await Promise.all(
    missing.map(async ({ category, ...product }, i) => {
      const row = { ...product, categoryId: categoryIds.get(category)! };
      const palette = DEMO_PALETTES[i];
      if (!palette) return row;
      const png = gradientPng(256, palette[0]!, palette[1]!);
      return { ...row, image: await saveImage(png, detectImageType(png)!) };
    }),
  );
  if (data.length) await db().product.createMany({ data });

  if (!withAdmin) return { products: missing.length, admin: false };
  const { username, email, password } = config.demoAdmin;
  const admin = await db().user.findUnique({ where: { username }, select: { id: true } });
  if (!admin) {
    await db().user.create({ data: { username, email, passwordHash: await hashPassword(password), isStaff: true, isSuperuser: true } });
  }
  return { products: missing.length, admin: !admin };
}

async function main(): Promise<void> {
  if (config.nodeEnv === 'production') {
    // The demo admin's password is public (README, .env.example defaults).
    throw new Error('db:seed adds demo products and a demo admin with a known password: refused with NODE_ENV=production');
  }
  const { startDatabase, stopDatabase } = await import('../bootstrap');
  const database = await startDatabase();
  try {
    const result = await seedDemoData();
    logger.info(`Seeded ${result.products} product(s)${result.admin ? ` and the admin "${config.demoAdmin.username}"` : ''}.`);
  } finally {
    await stopDatabase(database);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    logger.fatal({ err: error }, 'seeding failed');
    exitAfterLogs(1);
  });
}
