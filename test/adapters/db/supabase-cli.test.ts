/**
 * One migration history with the real Supabase CLI (the `supabase` devDependency): `supabase db push`
 * and the worker's runner, on scratch PostgreSQL databases, in either order; edited files refused;
 * the runner's former history table adopted.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { checksumOf, findMigrationsDir, loadMigrations } from '../../../src/adapters/db/migrate';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { ConfigError } from '../../../src/domain/errors';
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/db-scratch';

const ROOT = path.resolve(__dirname, '../../..');
const SUPABASE = path.join(ROOT, 'node_modules', '.bin', 'supabase');
const migrations = loadMigrations(findMigrationsDir());

async function supabase(args: string[], workdir = ROOT): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(SUPABASE, [...args, '--workdir', workdir], {
    env: { ...process.env, DO_NOT_TRACK: '1', SUPABASE_TELEMETRY_DISABLED: '1' },
    timeout: 60_000,
  });
  return `${stdout}\n${stderr}`;
}

/** The CLI wants a percent-encoded URL and no TLS on the local server. */
function cliUrl(scratch: ScratchDatabase): string {
  const url = new URL(scratch.url);
  url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

async function withScratch(fn: (scratch: ScratchDatabase, sql: Pool) => Promise<void>): Promise<void> {
  const scratch = await createScratchDatabase();
  const sql = new Pool({ connectionString: scratch.url, max: 1 });
  // The forced drop below ends whatever is still connected: that must not fail the test file.
  sql.on('error', () => undefined);
  try {
    await fn(scratch, sql);
  } finally {
    await sql.end();
    await scratch.drop();
  }
}

async function runner(scratch: ScratchDatabase, migrationsDir?: string): Promise<string[]> {
  const db = createPostgresDb({ databaseUrl: scratch.url, migrationsDir });
  try {
    return await db.migrate();
  } finally {
    await db.close();
  }
}

describe('migrations shared with the Supabase CLI', () => {
  it('the project is a Supabase CLI project (supabase/config.toml, project "warmer")', () => {
    expect(readFileSync(path.join(ROOT, 'supabase', 'config.toml'), 'utf8')).toMatch(/^project_id = "warmer"$/m);
  });

  it('supabase db push first: the worker starts on that database and applies nothing again', async () => {
    await withScratch(async (scratch, sql) => {
      const pushed = await supabase(['db', 'push', '--db-url', cliUrl(scratch), '--yes']);
      for (const m of migrations) expect(pushed).toContain(`Applying migration ${m.name}.sql`);

      expect(await runner(scratch)).toEqual([]);
      const recorded = (await sql.query('select version, statements from supabase_migrations.schema_migrations order by version')).rows;
      expect(recorded.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
      // The runner splits a file exactly as the CLI does, so their rows are interchangeable.
      expect(recorded.map((r) => r.statements)).toEqual(migrations.map((m) => m.statements));
      const chips = await sql.query('select count(*)::int as n from warmup_chips');
      expect(chips.rows[0].n).toBe(0);
    });
  });

  it('the worker first: supabase db push finds the database up to date', async () => {
    await withScratch(async (scratch) => {
      expect(await runner(scratch)).toEqual(migrations.map((m) => m.name));
      const pushed = await supabase(['db', 'push', '--db-url', cliUrl(scratch), '--yes']);
      expect(pushed).toMatch(/Remote database is up to date/);
      expect(pushed).not.toMatch(/Applying migration/);
      const listed = await supabase(['migration', 'list', '--db-url', cliUrl(scratch)]);
      for (const m of migrations) expect(listed).toMatch(new RegExp(`${m.version}\\W+\\|\\W+${m.version}`));
    });
  });

  it('a new migration added later is applied by whichever tool runs next, and the other agrees', async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), 'warmer-supabase-'));
    try {
      cpSync(path.join(ROOT, 'supabase', 'migrations'), path.join(workdir, 'supabase', 'migrations'), { recursive: true });
      copyFileSync(path.join(ROOT, 'supabase', 'config.toml'), path.join(workdir, 'supabase', 'config.toml'));
      const dir = path.join(workdir, 'supabase', 'migrations');
      await withScratch(async (scratch, sql) => {
        await supabase(['db', 'push', '--db-url', cliUrl(scratch), '--yes'], workdir);
        writeFileSync(
          path.join(dir, '29990101000000_add_note.sql'),
          "create table warmer_note (body text default 'a;b');\nalter table warmer_note enable row level security;\n",
        );
        expect(await runner(scratch, dir)).toEqual(['29990101000000_add_note']);
        expect(await supabase(['db', 'push', '--db-url', cliUrl(scratch), '--yes'], workdir)).toMatch(/Remote database is up to date/);
        const [row] = (
          await sql.query(`select name, statements from supabase_migrations.schema_migrations where version = '29990101000000'`)
        ).rows;
        expect(row).toEqual({
          name: 'add_note',
          statements: ["create table warmer_note (body text default 'a;b')", 'alter table warmer_note enable row level security'],
        });
      });
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it('refuses to start when an applied migration was edited, naming the file, and applies nothing', async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), 'warmer-migrations-'));
    try {
      const dir = path.join(workdir, 'supabase', 'migrations');
      cpSync(findMigrationsDir(), dir, { recursive: true });
      await withScratch(async (scratch, sql) => {
        await runner(scratch, dir);
        const edited = migrations[1]!;
        writeFileSync(path.join(dir, `${edited.name}.sql`), `${edited.sql}\ncreate table warmer_sneaky (id int);\n`);
        writeFileSync(path.join(dir, '29990101000000_later.sql'), 'create table warmer_later (id int);\n');
        const refused = runner(scratch, dir);
        await expect(refused).rejects.toThrow(ConfigError);
        await expect(refused).rejects.toThrow(`supabase/migrations/${edited.name}.sql changed after it was applied`);
        const tables = (await sql.query(`select to_regclass('warmer_sneaky') as a, to_regclass('warmer_later') as b`)).rows[0];
        expect(tables).toEqual({ a: null, b: null });

        // Whitespace-only edits are not changes: the CLI drops it too when it records statements.
        writeFileSync(path.join(dir, `${edited.name}.sql`), `\n\n${edited.sql.replace(/\n/g, '\n\n')}  \n`);
        expect(await runner(scratch, dir)).toEqual(['29990101000000_later']);
      });
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it("adopts the runner's former history table (warmer_schema_migrations), refusing edited files there too", async () => {
    await withScratch(async (scratch, sql) => {
      // A database migrated by an earlier Warmer: the schema, and the old table with a sha256 per file.
      for (const m of migrations) await sql.query(m.sql);
      await sql.query(
        'create table warmer_schema_migrations (name text primary key, checksum text not null, applied_at timestamptz not null default now())',
      );
      const { createHash } = await import('node:crypto');
      for (const m of migrations) {
        await sql.query('insert into warmer_schema_migrations (name, checksum) values ($1, $2)', [
          m.name,
          createHash('sha256').update(m.sql).digest('hex'),
        ]);
      }
      expect(await runner(scratch)).toEqual([]);
      const recorded = (await sql.query('select version, statements from supabase_migrations.schema_migrations order by version')).rows;
      expect(recorded.map((r) => [r.version, checksumOf(r.statements)])).toEqual(migrations.map((m) => [m.version, m.checksum]));
      expect((await sql.query(`select to_regclass('warmer_schema_migrations') as t`)).rows[0].t).toBeNull();
      expect(await supabase(['db', 'push', '--db-url', cliUrl(scratch), '--yes'])).toMatch(/Remote database is up to date/);
    });
    await withScratch(async (scratch, sql) => {
      await sql.query('create table warmer_schema_migrations (name text primary key, checksum text not null)');
      await sql.query('insert into warmer_schema_migrations (name, checksum) values ($1, $2)', [migrations[0]!.name, 'f'.repeat(64)]);
      await expect(runner(scratch)).rejects.toThrow(`supabase/migrations/${migrations[0]!.name}.sql changed after it was applied`);
    });
  });
});
