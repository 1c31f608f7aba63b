/**
 * `warmer db migrate` as an operator runs it (a child process): it applies what is missing with the
 * worker's runner, prints what it applied, and a second run says the database is up to date.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findMigrationsDir, loadMigrations } from '../../src/adapters/db/migrate';
import { createScratchDatabase } from '../helpers/db-scratch';

const ROOT = path.resolve(__dirname, '../..');

function warmer(args: string[], env: NodeJS.ProcessEnv) {
  return promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'warmer.js'), ...args], { cwd: ROOT, env, timeout: 60_000 });
}

test('warmer db migrate applies the missing migrations, prints them, then finds nothing to do', async () => {
  const scratch = await createScratchDatabase();
  const env = { PATH: process.env.PATH, DATABASE_URL: scratch.url };
  try {
    const names = loadMigrations(findMigrationsDir()).map((m) => m.name);
    const first = await warmer(['db', 'migrate'], env);
    expect(first.stdout.split('\n').filter((l) => l.startsWith('applied '))).toEqual(names.map((n) => `applied ${n}`));
    const second = await warmer(['db', 'migrate', '--json'], env);
    expect(JSON.parse(second.stdout)).toEqual({ driver: 'postgres', applied: [], total: names.length });
  } finally {
    await scratch.drop();
  }
});

test('with Supabase over REST it explains that the Supabase CLI applies the schema (exit 1)', async () => {
  const env = { PATH: process.env.PATH, SUPABASE_URL: 'http://127.0.0.1:9', SUPABASE_SERVICE_ROLE_KEY: 'k' };
  const failed = await warmer(['db', 'migrate'], env).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stderr).toMatch(/supabase db push/);
});
