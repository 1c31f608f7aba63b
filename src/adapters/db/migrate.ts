/**
 * Applies supabase/migrations (the files `supabase db push` applies on Supabase) to PostgreSQL and
 * to the embedded database: in name order, each in its own transaction, recorded in
 * warmer_schema_migrations. Running it again applies nothing. An advisory lock makes concurrent
 * runners (several workers starting at once) take turns; each re-checks what is applied.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../domain/errors';
import type { SqlClient, SqlSession } from './sql-client';

export interface Migration {
  /** File name without `.sql`, e.g. `20251125120000_warmup_tables`. */
  name: string;
  sql: string;
  checksum: string;
}

const MIGRATIONS_TABLE = `
create table if not exists warmer_schema_migrations (
  name text primary key,
  checksum text not null,
  applied_at timestamptz not null default now()
);
alter table warmer_schema_migrations enable row level security;
`;

/** Walks up from `start` to the project's supabase/migrations (works from src/ and from a build in dist/). */
export function findMigrationsDir(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, 'supabase', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new ConfigError(`supabase/migrations not found above ${start}; run Warmer from its project directory.`);
    }
    dir = parent;
  }
}

export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

async function lock(tx: SqlSession): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('warmer.schema_migrations'))`);
}

/** Applies what is missing; returns the names applied by this call, in order. */
export async function applyMigrations(client: SqlClient, dir: string): Promise<string[]> {
  const migrations = loadMigrations(dir);
  await client.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(MIGRATIONS_TABLE);
  });
  const applied = new Set((await client.query('select name from warmer_schema_migrations')).map((r) => String(r.name)));
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    const didApply = await client.transaction(async (tx) => {
      await lock(tx);
      const [already] = await tx.query('select 1 from warmer_schema_migrations where name = $1', [migration.name]);
      if (already) return false;
      try {
        await tx.exec(migration.sql);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(`Migration ${migration.name} failed and was rolled back: ${reason}`);
      }
      await tx.query('insert into warmer_schema_migrations (name, checksum) values ($1, $2)', [migration.name, migration.checksum]);
      return true;
    });
    if (didApply) appliedNow.push(migration.name);
  }
  return appliedNow;
}
