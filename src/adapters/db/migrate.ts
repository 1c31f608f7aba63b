/**
 * Applies supabase/migrations to PostgreSQL and to the embedded database, sharing one history with
 * the Supabase CLI: supabase_migrations.schema_migrations (version, name, statements), the table
 * `supabase db push` creates and reads. Either tool can go first; the other sees what was applied.
 *
 * Each missing file runs in its own transaction, in version order, and is recorded with its
 * statements split the way the CLI splits them. An advisory lock makes concurrent runners (several
 * workers starting at once) take turns; each re-checks what is applied. Before applying anything,
 * every applied migration's recorded statements are compared with its file: an edited file stops
 * the start with a message naming it (edits must go into a new migration).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../domain/errors';
import type { SqlClient, SqlSession } from './sql-client';
import { canonicalSql, splitStatements } from './sql-split';

export interface Migration {
  /** File name without `.sql`, e.g. `20251125120000_warmup_tables`. */
  name: string;
  /** The digits before the first `_`: the CLI's primary key. */
  version: string;
  /** What follows the version: the CLI's `name` column. */
  label: string;
  file: string;
  sql: string;
  statements: string[];
  /** sha256 of the text without whitespace and semicolons: equal for the file and for its recorded statements. */
  checksum: string;
}

/** The CLI's own definition (pkg/migration/history.go), so a table made by either tool suits both. */
const HISTORY_TABLE = `
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
`;

/** Where this runner recorded its work before it shared the CLI's table. */
const LEGACY_TABLE = 'warmer_schema_migrations';

const FILE_PATTERN = /^([0-9]+)_(.*)\.sql$/;

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

export function checksumOf(statementsOrSql: readonly string[] | string): string {
  const text = typeof statementsOrSql === 'string' ? statementsOrSql : statementsOrSql.join('');
  return createHash('sha256').update(canonicalSql(text)).digest('hex');
}

export function loadMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: FILE_PATTERN.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .map(({ file, match }) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        name: file.replace(/\.sql$/, ''),
        version: match[1] ?? '',
        label: match[2] ?? '',
        file: path.join(path.basename(path.dirname(dir)), path.basename(dir), file),
        sql,
        statements: splitStatements(sql),
        checksum: checksumOf(sql),
      };
    })
    .sort((a, b) => (a.version === b.version ? 0 : a.version < b.version ? -1 : 1));
  const seen = new Map<string, string>();
  for (const m of migrations) {
    const other = seen.get(m.version);
    if (other) throw new ConfigError(`Migrations ${other} and ${m.file} share the version ${m.version}; rename one of them.`);
    seen.set(m.version, m.file);
  }
  return migrations;
}

async function lock(tx: SqlSession): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('warmer.schema_migrations'))`);
}

interface AppliedRow {
  version: string;
  statements: string[] | null;
}

async function readHistory(session: SqlSession): Promise<Map<string, AppliedRow>> {
  const rows = await session.query('select version, statements from supabase_migrations.schema_migrations');
  return new Map(
    rows.map((r) => [
      String(r.version),
      { version: String(r.version), statements: Array.isArray(r.statements) ? r.statements.map(String) : null },
    ]),
  );
}

async function record(tx: SqlSession, m: Migration): Promise<void> {
  await tx.query('insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)', [
    m.version,
    m.label,
    m.statements,
  ]);
}

function editedMessage(edited: Migration[]): string {
  const files = edited.map((m) => m.file).join(', ');
  return (
    `Migration ${files} changed after it was applied to this database (its recorded statements differ from the file). ` +
    'Restore the file as it was applied (see supabase_migrations.schema_migrations, or `git log -p` of the file) ' +
    'and put the change in a new migration (`supabase migration new <name>`).'
  );
}

/**
 * Moves the rows of the runner's former history table into the shared one. A file edited since it
 * was applied is refused here too (that table kept a sha256 of the exact file).
 */
async function adoptLegacyHistory(tx: SqlSession, migrations: Migration[]): Promise<void> {
  const [exists] = await tx.query(`select to_regclass('public.${LEGACY_TABLE}') is not null as present`);
  if (exists?.present !== true) return;
  const history = await readHistory(tx);
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const legacy = await tx.query(`select name, checksum from ${LEGACY_TABLE} order by name`);
  const edited: Migration[] = [];
  for (const row of legacy) {
    const m = byName.get(String(row.name));
    if (!m || history.has(m.version)) continue;
    if (createHash('sha256').update(m.sql).digest('hex') !== String(row.checksum)) edited.push(m);
    else await record(tx, m);
  }
  if (edited.length > 0) throw new ConfigError(editedMessage(edited));
  await tx.exec(`drop table ${LEGACY_TABLE}`);
}

/** Refuses when a file differs from what was applied; rows recorded without statements cannot be compared. */
function checkApplied(migrations: Migration[], history: Map<string, AppliedRow>): void {
  const edited = migrations.filter((m) => {
    const row = history.get(m.version);
    return row?.statements != null && row.statements.length > 0 && checksumOf(row.statements) !== m.checksum;
  });
  if (edited.length > 0) throw new ConfigError(editedMessage(edited));
}

/** Applies what is missing; returns the names (file names without `.sql`) applied by this call, in order. */
export async function applyMigrations(client: SqlClient, dir: string): Promise<string[]> {
  const migrations = loadMigrations(dir);
  const history = await client.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(HISTORY_TABLE);
    await adoptLegacyHistory(tx, migrations);
    return readHistory(tx);
  });
  checkApplied(migrations, history);
  const appliedNow: string[] = [];
  for (const migration of migrations) {
    if (history.has(migration.version)) continue;
    const didApply = await client.transaction(async (tx) => {
      await lock(tx);
      const [already] = await tx.query('select 1 from supabase_migrations.schema_migrations where version = $1', [migration.version]);
      if (already) return false;
      try {
        await tx.exec(migration.sql);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(`Migration ${migration.file} failed and was rolled back: ${reason}`);
      }
      await record(tx, migration);
      return true;
    });
    if (didApply) appliedNow.push(migration.name);
  }
  return appliedNow;
}
