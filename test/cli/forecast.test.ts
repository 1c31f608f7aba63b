/**
 * `warmer forecast` as an operator runs it: in process through runCli, with Temporal and the database
 * pointed at ports where nothing listens (the forecast must need neither), and once as a child
 * process through bin/warmer.js.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../../src/commands/program';
import { PHASES, dailyCap } from '../../src/domain/phases';

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
  // Calendar program days: registered at noon, 25 program days end at noon of the 26th calendar day.
  expect(f.messages.fleetPerDay).toHaveLength(26);
  expect(f.messages.capPerDay).toHaveLength(26);
  // Status posts count as messages, apart from the per-day figures (their own daily limit).
  expect(f.messages.statusPosts).toBeGreaterThan(0);
  expect(f.messages.total).toBe(f.messages.fleetPerDay.reduce((a: number, b: number) => a + b, 0) + f.messages.statusPosts);
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

test("the daily table counts calendar program days, as the caps do: no day's messages per chip exceed that day's cap", async () => {
  const { code, out } = await cli(['forecast', '--chips', '100', '--json']);
  expect(code).toBe(0);
  const f = JSON.parse(out) as { chips: number; messages: { fleetPerDay: number[]; capPerDay: number[] } };
  const { fleetPerDay, capPerDay } = f.messages;
  expect(capPerDay).toHaveLength(fleetPerDay.length);
  fleetPerDay.forEach((fleet, day) =>
    expect({ day, perChip: fleet / f.chips, withinCap: fleet / f.chips <= capPerDay[day]! }).toEqual({
      day,
      perChip: fleet / f.chips,
      withinCap: true,
    }),
  );
  // Each phase's cap shows on its days, and the fleet uses it: the check is not met by a quiet fleet.
  for (const phase of ['primeiros_contatos', 'expansao', 'pre_operacao'] as const) {
    const days = fleetPerDay.map((_, day) => day).filter((day) => capPerDay[day] === dailyCap(phase));
    expect(days.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...days.map((day) => fleetPerDay[day]! / f.chips))).toBeGreaterThan(0.9 * dailyCap(phase));
  }

  // The printed table says the same, row by row.
  const text = await cli(['forecast', '--chips', '100']);
  const rows = [...text.out.matchAll(/^(\d+) +([\d,]+) +([\d.]+) +(\d+)$/gm)];
  expect(rows.length).toBeGreaterThanOrEqual(15);
  for (const [, day, , perChip, cap] of rows) {
    expect(Number(perChip)).toBeLessThanOrEqual(Number(cap));
    expect(Number(cap)).toBe(capPerDay[Number(day)]);
  }
}, 60_000);

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
