/**
 * Where the `warmer` CLI (a child process, as an operator runs it) finds its database: WARMER_DEV_DIR
 * leads it to the dev stack serving that folder (through the dev stack's own database bridge, over a
 * real embedded database, with a real Temporal dev server), and a command that finds no database
 * says what it looked for and how to point it, instead of creating an empty one. `db migrate` still
 * creates one.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createEmbeddedDb } from '../../src/adapters/db/embedded';
import type { Db } from '../../src/adapters/db/port';
import { type DbBridge, removeDevStackFile, serveDb, writeDevStackFile } from '../../src/dev/db-bridge';
import { devServerEnv } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '../..');

let dir: string;
let env: TestWorkflowEnvironment;
let db: Db;
let bridge: DbBridge;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-cli-db-'));
  env = await devServerEnv();
}, 60_000);

afterAll(async () => {
  if (dir) removeDevStackFile(path.join(dir, 'stack', 'db'));
  await bridge?.close();
  await db?.close();
  await env?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A shell with no database configured: no DATABASE_URL, no Supabase, no data folder of its own. */
function shell(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'WARMER_DATA_DIR', 'WARMER_DEV_DIR', 'TEMPORAL_ADDRESS'])
    delete clean[name];
  return { ...clean, ...extra };
}

function warmer(args: string[], shellEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/warmer.js'), ...args],
      { cwd: ROOT, env: shellEnv, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('with WARMER_DEV_DIR, `warmer fleet` reads the fleet of the dev stack serving that folder', async () => {
  // What `npm run dev` leaves for the CLI: its embedded database at <dev dir>/db, served by the bridge,
  // and the dev-stack file beside it naming the bridge and the stack's settings.
  const stackDir = path.join(dir, 'stack');
  const dataDir = path.join(stackDir, 'db');
  db = createEmbeddedDb({ dataDir });
  await db.migrate();
  for (const i of [1, 2]) await db.registerChip({ phone: `551193000000${i}`, instanceName: `dev-dir-${i}`, fleetId: 'dev-dir' });
  bridge = await serveDb(db);
  writeDevStackFile(dataDir, {
    pid: process.pid,
    dbUrl: bridge.url,
    token: bridge.token,
    uiUrl: 'http://127.0.0.1:9',
    env: { TEMPORAL_ADDRESS: env.address, WARMER_DATA_DIR: dataDir, WARMER_DAY: '2m' },
    startedAt: new Date().toISOString(),
  });

  const fleet = await warmer(['fleet', '--json'], shell({ WARMER_DEV_DIR: stackDir }));
  expect(fleet.stderr).toBe('');
  expect(fleet.code).toBe(0);
  const chips = (JSON.parse(fleet.stdout) as { chips: { instance: string; phone: string }[] }).chips;
  expect(chips.map((c) => c.instance).sort()).toEqual(['dev-dir-1', 'dev-dir-2']);
  expect(chips.map((c) => c.phone).sort()).toEqual(['***0001', '***0002']);

  // Another dev folder is another stack: its (absent) database is not this one.
  const elsewhere = await warmer(['fleet', '--json'], shell({ WARMER_DEV_DIR: path.join(dir, 'other') }));
  expect(elsewhere.code).toBe(1);
  expect(elsewhere.stdout).toBe('');
  expect(elsewhere.stderr).toContain('No database found');
}, 90_000);

test('a command that finds no database says what it looked for and how to point it, and creates nothing', async () => {
  const empty = path.join(dir, 'empty');
  const dataDir = path.join(empty, 'db');
  for (const args of [['fleet'], ['chip', 'status', 'demo-1']]) {
    const result = await warmer(args, shell({ WARMER_DEV_DIR: empty, TEMPORAL_ADDRESS: env.address }));
    expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 1, stdout: '' });
    expect(result.stderr).toContain('No database found');
    for (const name of ['DATABASE_URL', 'SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'WARMER_DEV_DIR', 'npm run dev', 'warmer db migrate'])
      expect({ args, name, named: result.stderr.includes(name) }).toEqual({ args, name, named: true });
    // It names the folder it looked in.
    expect(result.stderr).toContain(dataDir);
    expect(existsSync(dataDir)).toBe(false);
  }

  // `db migrate` is how an embedded database is made on purpose; then the CLI finds it.
  const migrated = await warmer(['db', 'migrate', '--json'], shell({ WARMER_DEV_DIR: empty }));
  expect(migrated.stderr).toBe('');
  expect(migrated.code).toBe(0);
  expect(JSON.parse(migrated.stdout)).toMatchObject({ driver: 'embedded', applied: expect.arrayContaining([expect.any(String)]) });
  expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
  const status = await warmer(['chip', 'status', 'demo-1'], shell({ WARMER_DEV_DIR: empty, TEMPORAL_ADDRESS: env.address }));
  expect(status.code).toBe(1);
  expect(status.stderr).not.toContain('No database found');
  expect(status.stderr).toMatch(/demo-1/);
}, 120_000);
