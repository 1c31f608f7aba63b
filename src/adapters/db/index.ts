/**
 * Chooses the database driver from the configuration: Supabase when its URL and service role key
 * are both set, else PostgreSQL when a DATABASE_URL is set, else the embedded database.
 * The caller runs `db.migrate()` once at start-up (a no-op on Supabase, where the CLI applies them).
 */
import { createEmbeddedDb } from './embedded';
import type { Db } from './port';
import { createPostgresDb } from './postgres';
import { createSupabaseDb } from './supabase';

export * from './port';
export { createEmbeddedDb } from './embedded';
export { createPostgresDb } from './postgres';
export { createSupabaseDb } from './supabase';

export interface DbConfig {
  supabaseUrl?: string;
  supabaseServiceRoleKey?: string;
  databaseUrl?: string;
  /** Embedded database directory; in memory when absent. */
  dataDir?: string;
}

export type DbDriver = 'supabase' | 'postgres' | 'embedded';

export function selectDbDriver(config: DbConfig): DbDriver {
  if (config.supabaseUrl && config.supabaseServiceRoleKey) return 'supabase';
  if (config.databaseUrl) return 'postgres';
  return 'embedded';
}

export function createDb(config: DbConfig): Db {
  switch (selectDbDriver(config)) {
    case 'supabase':
      return createSupabaseDb({ url: config.supabaseUrl!, serviceRoleKey: config.supabaseServiceRoleKey! });
    case 'postgres':
      return createPostgresDb({ databaseUrl: config.databaseUrl! });
    case 'embedded':
      return createEmbeddedDb({ dataDir: config.dataDir });
  }
}
