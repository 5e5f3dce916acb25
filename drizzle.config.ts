import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations for src/db/schema.ts into migrations/; radgate applies them at start
// and with `radgate migrate`, on PostgreSQL and PGlite alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
