// Read by the Prisma CLI only (generate here; migrate deploy where its schema
// engine exists). The application reads its settings from src/config.
import 'dotenv/config';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL },
});
