/** `warmer db ...`: the database schema, outside the worker's start-up. */
import { selectDbDriver } from '../adapters/db';
import { findMigrationsDir, loadMigrations } from '../adapters/db/migrate';
import { openDb } from '../app/context';
import { ConfigError } from '../domain/errors';
import type { CliContext } from './context';

/**
 * Applies the missing migrations with the worker's runner (the history it shares with the Supabase
 * CLI) and prints each one it applied. With a running `npm run dev` the dev stack owns the embedded
 * database and migrated it at start, so there is nothing to do here.
 */
export async function dbMigrateCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const config = ctx.config();
  const driver = selectDbDriver(config.db);
  if (driver === 'supabase') {
    throw new ConfigError(
      'With SUPABASE_URL the worker reaches Supabase over its REST API, which cannot change the schema. ' +
        "Run `supabase db push` (after `supabase link`), or set DATABASE_URL to the project's direct connection string " +
        'and unset SUPABASE_URL for this command.',
    );
  }
  let applied: string[] = [];
  if (!ctx.devStackRunning()) {
    const db = openDb(config);
    try {
      applied = await db.migrate();
    } finally {
      await db.close();
    }
  }
  const total = loadMigrations(findMigrationsDir()).length;
  if (opts.json) {
    ctx.io.out(`${JSON.stringify({ driver, applied, total }, null, 2)}\n`);
    return;
  }
  for (const name of applied) ctx.io.out(`applied ${name}\n`);
  ctx.io.out(
    applied.length > 0
      ? `${applied.length} migration(s) applied; ${total} in supabase/migrations, all applied.\n`
      : `Database up to date: all ${total} migrations in supabase/migrations are applied.\n`,
  );
}
