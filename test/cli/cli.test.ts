/**
 * The `warmer` CLI end to end, as an operator runs it: a child process (`node bin/warmer.js ...`)
 * against a Temporal dev server, a worker on the real activities, the messaging simulator posting
 * webhooks to the receiver, and a PostgreSQL database the CLI and the worker share.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createPostgresDb, type Db } from '../../src/adapters/db';
import { createAdapters } from '../../src/app/context';
import { createWarmerWorker } from '../../src/app/temporal-worker';
import { loadConfig } from '../../src/config';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { createProviderEventBridge, resolveChipByInstance } from '../../src/webhooks/bridge';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { devServerEnv, workflowBundle } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'cli-test-secret-0123456789';
const taskQueue = `cli-${Date.now()}`;

let env: TestWorkflowEnvironment;
let scratch: ScratchDatabase;
let db: Db;
let simulator: Simulator;
let receiver: WebhookReceiver;
let worker: Worker;
let workerRun: Promise<void>;
let cliEnv: NodeJS.ProcessEnv;
const notifications: string[] = [];

beforeAll(async () => {
  [env, scratch] = await Promise.all([devServerEnv(), createScratchDatabase()]);
  db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
  const config = loadConfig({
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: scratch.url,
    WARMER_TASK_QUEUE: taskQueue,
    EVOLUTION_API_URL: 'http://127.0.0.1:9', // replaced below, once the simulator has a port
    EVOLUTION_API_KEY: 'sim-key',
    WEBHOOK_SECRET: SECRET,
  });
  receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SECRET,
    resolveChip: resolveChipByInstance(db),
    onEvent: createProviderEventBridge({
      db,
      client: env.client,
      notifier: { notify: async (n) => void notifications.push(n.kind) },
      breaker: config.fleetBreaker,
      connectionState: (instance) => createEvolutionClient({ baseUrl: simulator.url, apiKey: 'sim-key' }).connectionState(instance),
      log: () => undefined,
    }),
  });
  simulator = await startSimulator({ apiKey: 'sim-key', webhookUrl: receiver.url, webhookHeaders: { 'x-warmer-secret': SECRET } });
  config.evolution.baseUrl = simulator.url;
  worker = await createWarmerWorker({
    config,
    db,
    adapters: createAdapters(config, (line) => notifications.push(line)),
    temporal: { connection: env.connection, client: env.client },
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  workerRun = worker.run();

  cliEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: scratch.url,
    WARMER_TASK_QUEUE: taskQueue,
    // chip add checks the instance on the provider.
    EVOLUTION_API_URL: simulator.url,
    EVOLUTION_API_KEY: 'sim-key',
  };
  for (const name of ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'TEMPORAL_API_KEY', 'WARMER_DAY', 'WARMER_EPOCH']) delete cliEnv[name];
});

afterAll(async () => {
  if (worker && worker.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => undefined);
  await receiver?.close();
  await simulator?.close();
  await db?.close();
  await env?.teardown();
  await scratch?.drop();
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const timings: number[] = [];

function warmer(...args: string[]): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/warmer.js'), ...args],
      { cwd: ROOT, env: cliEnv, timeout: 60_000 },
      (err, stdout, stderr) => {
        timings.push(Date.now() - started);
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await warmer(...args);
  if (result.code !== 0) throw new Error(`warmer ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface StatusJson {
  chipId: string;
  phone: string;
  phase: string;
  dayInPhase: number;
  status: string;
  pauseReason: string | null;
  pending: string[];
  cap: number;
  source: string;
  workflow: { id: string; state: string };
  alerts: { kind: string; severity: string }[];
}
interface FleetJson {
  chips: (StatusJson & { instance: string; openAlerts: number })[];
  openAlerts: { chipId: string | null; kind: string }[];
}

const PHONES = { a: '5511955500001', b: '5511955500002', c: '5511955500003', d: '5511955500004', e: '5511955500005' };
const ids: Record<string, string> = {};

async function addChip(key: keyof typeof PHONES, fleet = 'cli'): Promise<string> {
  simulator.control.addInstance(`cli-${key}`, PHONES[key]);
  const added = await json<{ chipId: string; phone: string; workflowId: string }>(
    'chip',
    'add',
    '--phone',
    `+${PHONES[key]}`,
    '--instance',
    `cli-${key}`,
    '--fleet',
    fleet,
    '--json',
  );
  expect(added.phone).toBe(`***${PHONES[key].slice(-4)}`);
  expect(added.workflowId).toBe(`chip-warmup/${added.chipId}`);
  ids[key] = added.chipId;
  return added.chipId;
}

test('usage errors exit 2 and name the problem', async () => {
  const unknown = await warmer('frobnicate');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  const missing = await warmer('chip', 'add', '--instance', 'x');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/required option '--phone <E164>' not specified/);
  const badOption = await warmer('fleet', '--colour');
  expect(badOption.code).toBe(2);
  expect(badOption.stderr).toMatch(/unknown option '--colour'/);
  const noId = await warmer('chip', 'pause');
  expect(noId.code).toBe(2);
  expect(noId.stderr).toMatch(/missing required argument 'id'/);
  const help = await warmer('--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/chip +one chip: onboard, import, add, pause, resume, retire,\s+restart, status/);
});

test('an operator adds two chips, reads them, pauses, resumes and retires one, and reads the fleet', async () => {
  const a = await addChip('a');
  simulator.control.addInstance('cli-b', PHONES.b);
  const textAdd = await warmer('chip', 'add', '--phone', PHONES.b, '--instance', 'cli-b', '--fleet', 'cli');
  expect(textAdd.code).toBe(0);
  expect(textAdd.stdout).toMatch(
    /Chip [0-9a-f-]{36} \(\*\*\*0002, instance cli-b\) added to fleet 'cli'; warm-up workflow chip-warmup\/[0-9a-f-]{36} started in phase setup\./,
  );
  expect(textAdd.stdout).not.toContain(PHONES.b);
  const b = /Chip ([0-9a-f-]{36})/.exec(textAdd.stdout)![1]!;
  ids.b = b;

  const text = await warmer('chip', 'status', a);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/Phone +\*\*\*0001 +instance cli-a +fleet cli/);
  expect(text.stdout).toMatch(/Status +warming/);
  expect(text.stdout).toMatch(/Phase +setup, day 0/);
  expect(text.stdout).toMatch(/Pending +dias: 0\/3/);
  expect(text.stdout).not.toContain(PHONES.a);

  const status = await json<StatusJson>('chip', 'status', 'cli-a', '--json'); // by instance name too
  expect(status).toMatchObject({
    chipId: a,
    phone: '***0001',
    phase: 'setup',
    dayInPhase: 0,
    status: 'warming',
    cap: 0,
    source: 'workflow',
  });
  expect(status.workflow).toEqual({ id: `chip-warmup/${a}`, state: 'running' });
  expect(status.pending).toContain('dias: 0/3');

  const pause = await warmer('chip', 'pause', a, '--reason', 'checking the number');
  expect(pause.code).toBe(0);
  expect(pause.stdout).toContain('paused (checking the number)');
  await until(
    () => json<StatusJson>('chip', 'status', a, '--json'),
    (s) => s.status === 'paused' && s.pauseReason === 'checking the number',
    'paused',
  );
  const again = await warmer('chip', 'pause', a);
  expect(again.stdout).toMatch(/already paused \(checking the number\)/);

  const resume = await warmer('chip', 'resume', `+${PHONES.a}`); // by phone too
  expect(resume.code).toBe(0);
  expect(resume.stdout).toContain('resumed');
  await until(
    () => json<StatusJson>('chip', 'status', a, '--json'),
    (s) => s.status === 'warming',
    'resumed',
  );

  const retire = await warmer('chip', 'retire', b, '--reason', 'number returned');
  expect(retire.code).toBe(0);
  const retired = await until(
    () => json<StatusJson>('chip', 'status', b, '--json'),
    (s) => s.status === 'retired' && s.workflow.state === 'closed',
    'retired',
  );
  expect(retired.source).toBe('database');
  const retireAgain = await warmer('chip', 'retire', b);
  expect(retireAgain.code).toBe(1);
  expect(retireAgain.stderr).toMatch(/has finished its warm-up \(status retired\): nothing to retire/);
  // Every action taken is in the audit log (what changed nothing, like the second pause, is not).
  expect((await db.listOperatorActions({ chipId: a })).map((x) => [x.action, x.reason, x.source])).toEqual([
    ['resume', null, 'cli'],
    ['pause', 'checking the number', 'cli'],
  ]);
  expect((await db.listOperatorActions({ chipId: b })).map((x) => [x.action, x.reason])).toEqual([['retire', 'number returned']]);

  const fleet = await json<FleetJson>('fleet', '--json');
  expect(fleet.chips.map((c) => [c.instance, c.phone, c.phase, c.status, c.source])).toEqual([
    ['cli-a', '***0001', 'setup', 'warming', 'workflow'],
    ['cli-b', '***0002', 'setup', 'retired', 'database'],
  ]);
  expect(fleet.chips[0]).toMatchObject({ dayInPhase: 0, health: expect.any(Number), replyRate: 0, sentToday: 0, cap: 0 });
  expect(fleet.chips[0]!.pending).toEqual(expect.arrayContaining(['dias: 0/3']));

  const table = await warmer('fleet');
  expect(table.code).toBe(0);
  expect(table.stdout.split('\n')[0]).toMatch(/^CHIP +PHONE +INSTANCE +PHASE +DAY +HEALTH +REPLY +SENT\/CAP +STATUS +PENDING$/);
  expect(table.stdout).toMatch(/\*\*\*0001 +cli-a +setup +0 +\d+ +0% +0\/0 +warming +dias: 0\/3/);
  expect(table.stdout).not.toMatch(/55119555/);
});

test('bad input exits 1 with a message that names the problem', async () => {
  const invalid = await warmer('chip', 'add', '--phone', '12345', '--instance', 'x');
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/Invalid phone '12345'/);

  const duplicate = await warmer('chip', 'add', '--phone', PHONES.a, '--instance', 'another-instance');
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toMatch(/DuplicateChip: phone \*\*\*0001 is already registered as chip/);
  expect(duplicate.stderr).not.toContain(PHONES.a);
  const sameInstance = await warmer('chip', 'add', '--phone', '5511955509999', '--instance', 'cli-a');
  expect(sameInstance.code).toBe(1);
  expect(sameInstance.stderr).toMatch(/instance 'cli-a' is already registered/);

  const unknownId = await warmer('chip', 'status', '00000000-0000-4000-8000-000000000000');
  expect(unknownId.code).toBe(1);
  expect(unknownId.stderr).toMatch(/ChipNotFound: No chip '00000000-0000-4000-8000-000000000000' is registered/);
  const unknownName = await warmer('chip', 'pause', 'no-such-chip');
  expect(unknownName.code).toBe(1);
  expect(unknownName.stderr).toMatch(/No chip 'no-such-chip' is registered/);

  // Registered, but Temporal unreachable: the message says so, and the same command later finishes the add.
  const late = ['chip', 'add', '--phone', '5511955500009', '--instance', 'cli-late', '--fleet', 'cli'];
  simulator.control.addInstance('cli-late', '5511955500009');
  const noServer = await new Promise<CliResult>((resolve) =>
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/warmer.js'), ...late],
      { cwd: ROOT, env: { ...cliEnv, TEMPORAL_ADDRESS: '127.0.0.1:1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  expect(noServer.code).toBe(1);
  expect(noServer.stderr).toMatch(
    /\(\*\*\*0009, instance cli-late\) was registered in the database, but its warm-up workflow could not be started: Cannot reach Temporal at 127\.0\.0\.1:1/,
  );
  expect(noServer.stderr).toMatch(/Run the same 'warmer chip add' again/);
  const retried = await warmer(...late);
  expect(retried.code).toBe(0);
  expect(retried.stdout).toMatch(/\(\*\*\*0009, instance cli-late\) added to fleet 'cli'/);
  const twice = await warmer(...late);
  expect(twice.code).toBe(1);
  expect(twice.stderr).toMatch(/DuplicateChip: phone \*\*\*0009 is already registered/);
});

test('a ban webhook shows up as a stopped chip and an open alert; the fleet breaker pauses the rest until `fleet resume`', async () => {
  await addChip('c');
  const d = await addChip('d');

  simulator.control.ban('cli-a');
  const banned = await until(
    () => json<FleetJson>('fleet', '--json'),
    (f) => f.chips.some((c) => c.instance === 'cli-a' && c.status === 'banned'),
    'chip a banned',
  );
  expect(banned.openAlerts).toEqual(expect.arrayContaining([expect.objectContaining({ chipId: ids.a, kind: 'chip_banned' })]));
  expect(banned.chips.find((c) => c.instance === 'cli-a')!.openAlerts).toBe(1);
  const status = await json<StatusJson>('chip', 'status', 'cli-a', '--json');
  expect(status.status).toBe('banned');
  expect(status.alerts).toEqual([expect.objectContaining({ kind: 'chip_banned', severity: 'critical' })]);
  const text = await warmer('chip', 'status', 'cli-a');
  expect(text.stdout).toMatch(/Alert +critical chip_banned/);

  // A second chip lost in 24 h trips the fleet breaker: every warming chip of the fleet pauses.
  simulator.control.ban('cli-c');
  const tripped = await until(
    () => json<FleetJson>('fleet', '--json'),
    (f) => f.openAlerts.some((a) => a.kind === 'fleet_breaker') && f.chips.find((c) => c.chipId === d)?.status === 'paused',
    'fleet breaker',
  );
  expect(tripped.chips.find((c) => c.chipId === d)!.pauseReason).toBe('disjuntor da frota');
  expect((await warmer('fleet')).stdout).toMatch(/! critical fleet_breaker: /);

  const resumed = await warmer('fleet', 'resume', '--fleet', 'cli');
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toMatch(/Fleet breaker cleared: 1 alert\(s\) resolved; resume sent to \d+ chip\(s\)/);
  const after = await until(
    () => json<FleetJson>('fleet', '--json'),
    (f) => f.chips.find((c) => c.chipId === d)?.status === 'warming',
    'fleet resumed',
  );
  expect(after.openAlerts.some((a) => a.kind === 'fleet_breaker')).toBe(false);
  expect(after.chips.find((c) => c.instance === 'cli-a')!.status).toBe('banned');
});

test('an operator brings back a chip whose workflow was terminated, in the phase the database recorded', async () => {
  const e = await addChip('e', 'cli-restart');
  // What the database recorded before the workflow died: expansao, started two days ago.
  const phaseStartedAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
  await db.promoteChip({ chipId: e, from: 'setup', to: 'expansao', health: 77, replyRate: 0.5, at: phaseStartedAt });

  const refused = await warmer('chip', 'restart', e);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/still has a running warm-up workflow/);

  await env.client.workflow.getHandle(`chip-warmup/${e}`).terminate('test: the worker lost it');
  cliEnv.WARMER_OPERATOR = 'ana.ops';
  const restarted = await json<{ previousRun: string; phase: string; status: string; workflowId: string }>(
    'chip',
    'restart',
    e,
    '--reason',
    'workflow terminated by mistake',
    '--json',
  );
  expect(restarted).toMatchObject({ previousRun: 'TERMINATED', phase: 'expansao', status: 'warming', workflowId: `chip-warmup/${e}` });

  const status = await until(
    () => json<StatusJson>('chip', 'status', e, '--json'),
    (s) => s.source === 'workflow' && s.workflow.state === 'running',
    'the restarted workflow',
  );
  expect(status).toMatchObject({ phase: 'expansao', status: 'warming', cap: 30, dayInPhase: 2 });
  const audit = (await db.listAlerts({ chipId: e })).filter((a) => a.kind === 'chip_restarted');
  expect(audit).toHaveLength(1);
  expect(audit[0]!.message).toMatch(/ana\.ops.*workflow terminated by mistake/);
  // Running again: a second restart is refused, never a second copy.
  expect((await warmer('chip', 'restart', e)).code).toBe(1);
});

test('schedules sync through the CLI creates, then updates, the two schedules', async () => {
  const first = await warmer('schedules', 'sync');
  expect(first.code).toBe(0);
  expect(first.stdout).toBe('warmer-daily-summary: created\nwarmer-pair-rotation: created\n');
  const second = await warmer('schedules', 'sync');
  expect(second.stdout).toBe('warmer-daily-summary: updated\nwarmer-pair-rotation: updated\n');
});

afterAll(() => {
  const sorted = [...timings].sort((x, y) => x - y);
  if (sorted.length > 0)
    console.log(`${sorted.length} CLI runs, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`);
});
