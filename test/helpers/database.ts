/**
 * A fresh, isolated database per test file: a new PostgreSQL database when DATABASE_URL is set (CI runs the suite
 * both ways), otherwise a new PGlite data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface TestDatabase {
  databaseUrl: string | undefined;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'radgate-test-'));
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    return { databaseUrl: undefined, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `radgate_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await again.end();
    },
  };
}
