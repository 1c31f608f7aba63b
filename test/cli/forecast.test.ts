/**
 * `warmer forecast` as an operator runs it: in process through runCli, with Temporal and the database
 * pointed at ports where nothing listens (the forecast must need neither), and once as a child
 * process through bin/warmer.js.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../src/commands/program';
import { PHASES } from '../../src/domain/phases';

const ROOT = path.resolve(__dirname, '../..');
// Nothing listens on port 9 (discard): any attempt to reach Temporal or PostgreSQL would fail the command.
const OFFLINE_ENV = { TEMPORAL_ADDRESS: '127.0.0.1:9', DATABASE_URL: 'postgres://127.0.0.1:9/none?sslmode=disable' };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, OFFLINE_ENV, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

test('forecast --json: phase days, messages, actions and cost, stalls, without Temporal or a database', async () => {
  const { code, out, err } = await cli(['forecast', '--chips', '6', '--days', '25', '--seed', '3', '--json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  const f = JSON.parse(out);
  expect(f).toMatchObject({ chips: 6, days: 25, replyRate: 1, seed: 3, ready: 6 });
  expect(f.phases.map((p: { phase: string }) => p.phase)).toEqual([...PHASES]);
  for (const p of f.phases) expect(Object.keys(p).sort()).toEqual(['chips', 'median', 'p10', 'p90', 'phase']);
  expect(f.phases.find((p: { phase: string }) => p.phase === 'expansao')).toMatchObject({ chips: 6, median: 7 });
  expect(f.messages.fleetPerDay).toHaveLength(25);
  expect(f.messages.total).toBe(f.messages.fleetPerDay.reduce((a: number, b: number) => a + b, 0));
  expect(f.messages.perChip).toBeCloseTo(f.messages.total / 6, 0);
  expect(f.actions.total).toBeGreaterThan(f.messages.total);
  expect(f.actions.perMessage).toBeCloseTo(f.actions.total / f.messages.total, 2);
  expect(f.costUsd).toMatchObject({ pricePerMillionActions: 50 });
  expect(f.costUsd.total).toBeCloseTo((f.actions.total / 1e6) * 50, 3);
  expect(f.stalled).toEqual({ everStalled: expect.any(Number), stalledAtEnd: expect.any(Number), notReady: 0 });
  expect(typeof f.elapsedSeconds).toBe('number');
});

test('forecast prints a readable report; --reply-rate changes it', async () => {
  const { code, out } = await cli(['forecast', '--chips', '4', '--days', '12', '--reply-rate', '0.3']);
  expect(code).toBe(0);
  expect(out).toContain('Forecast: 4 chips, 12 program days, reply rate 30%');
  expect(out).toMatch(/primeiros_contatos\s+4\/4\s+3\s+3-3/);
  expect(out).toMatch(/expansao\s+0\/4\s+-/);
  expect(out).toMatch(/Temporal actions: [\d,]+ total/);
  expect(out).toMatch(/Cost: \$[\d.]+ total/);
});

test.each([
  [['forecast'], /--chips/],
  [['forecast', '--chips', '0'], /--chips must be a whole number from 1/],
  [['forecast', '--chips', 'ten'], /--chips must be a whole number.*got 'ten'/],
  [['forecast', '--chips', '5', '--reply-rate', '1.5'], /--reply-rate must be a number above 0 and at most 1/],
  [['forecast', '--chips', '5', '--days', '-1'], /--days must be/],
])('bad input %j is a usage error naming the option', async (args, message) => {
  const { code, out, err } = await cli(args);
  expect(code).toBe(2);
  expect(out).toBe('');
  expect(err).toMatch(message);
});

test('bin/warmer.js forecast runs as a child process', async () => {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/warmer.js'), 'forecast', '--chips', '3', '--days', '8', '--json'],
      { env: { ...process.env, ...OFFLINE_ENV }, cwd: ROOT },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  expect(JSON.parse(out)).toMatchObject({ chips: 3, days: 8, ready: 0 });
});
