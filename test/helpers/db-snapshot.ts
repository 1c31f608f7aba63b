/**
 * A migrated embedded database, written once per test run by the global setup: stacks that need an
 * empty, migrated database start from it instead of running PostgreSQL's initdb and every migration
 * (about a second and a half of CPU each, some seventy times a run).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';

export const DB_SNAPSHOT_PATH = path.resolve(__dirname, '../../.data/test-db-migrated.tar');

/** Writes the snapshot of a freshly migrated embedded database (the tree's migrations as they are now). */
export async function writeMigratedSnapshot(file = DB_SNAPSHOT_PATH): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const client = openEmbeddedSql();
  try {
    await createEmbeddedDb({ client }).migrate();
    await client.snapshot(file);
  } finally {
    await client.close();
  }
}

/** The snapshot to start from, when this run's global setup wrote one. */
export function migratedSnapshot(): string | undefined {
  return existsSync(DB_SNAPSHOT_PATH) ? DB_SNAPSHOT_PATH : undefined;
}
