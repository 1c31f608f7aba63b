/**
 * `npm run dev` (as a user types it) from a clean directory: it starts, serves the Temporal UI and the demo fleet, and
 * Ctrl-C (SIGINT to its process group, as a terminal sends it) stops everything and exits 0.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports';

const ROOT = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The environment of a fresh machine: nothing that would pick another database or server. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'SUPABASE_URL',
    'SUPABASE_SERVICE_ROLE_KEY',
    'TEMPORAL_ADDRESS',
    'TEMPORAL_API_KEY',
    'SLACK_WEBHOOK_URL',
    'WARMER_EPOCH',
    'WARMER_DATA_DIR',
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/warmer.js'), ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface DevRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readyMs: number;
}

let child: ChildProcess | undefined;
let dir: string;
let env: NodeJS.ProcessEnv;
let ports: { temporal: number; ui: number; simulator: number; webhook: number; codec: number; console: number };
let firstIds: string[] = [];

afterAll(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startDev(): Promise<DevRun> {
  const started = Date.now();
  // Its own process group, so that SIGINT can go to the whole group as Ctrl-C in a terminal does.
  const proc = spawn('npm', ['run', '--silent', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output.includes('[dev] ready')) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`npm run dev exited early (${proc.exitCode ?? proc.signalCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child: proc, output: () => output, exited, readyMs: Date.now() - started };
}

/** Ctrl-C: SIGINT to the process group; returns how long the stack took to stop. */
async function stopDev(run: DevRun): Promise<number> {
  const stopAt = Date.now();
  process.kill(-run.child.pid!, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const stop = await Promise.race([run.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS)))]);
  clearTimeout(timer);
  expect(stop).not.toBe('timeout');
  // npm waits for its child, then re-raises the SIGINT it received on itself (a shell's
  // convention), so npm ends "by SIGINT"; the dev stack's own exit code is the one it reports.
  const ended = stop as { code: number | null; signal: NodeJS.Signals | null };
  expect(ended.code === 0 || ended.signal === 'SIGINT').toBe(true);
  await waitFor(() => run.output().includes('[dev] stopped, exit code 0'), 5_000);
  expect(await listening(ports.temporal)).toBe(false);
  expect(await listening(ports.ui)).toBe(false);
  expect(await listening(ports.simulator)).toBe(false);
  expect(await listening(ports.codec)).toBe(false);
  return Date.now() - stopAt;
}

async function demoFleet(): Promise<{ chipId: string; instance: string; phone: string; status: string; phase: string }[]> {
  // The CLI in another terminal, pointed at the dev folder only, reaches the same fleet (through the dev stack's database bridge).
  const fleet = await cli(['fleet', '--json'], cleanEnv({ WARMER_DEV_DIR: dir }));
  expect(fleet.stderr).toBe('');
  expect(fleet.code).toBe(0);
  return (JSON.parse(fleet.stdout) as { chips: { chipId: string; instance: string; phone: string; status: string; phase: string }[] })
    .chips;
}

test(
  'npm run dev starts the stack with the UI and a demo fleet of 6, and Ctrl-C stops it cleanly',
  async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-dev-'));
    ports = {
      temporal: await freePort(),
      ui: await freePort(),
      simulator: await freePort(),
      webhook: await freePort(),
      codec: await freePort(),
      console: await freePort(),
    };
    env = cleanEnv({
      WARMER_DEV_DIR: dir,
      WARMER_DAY: '2m',
      DEV_TEMPORAL_PORT: String(ports.temporal),
      DEV_UI_PORT: String(ports.ui),
      SIMULATOR_PORT: String(ports.simulator),
      WEBHOOK_PORT: String(ports.webhook),
      WARMER_CODEC_PORT: String(ports.codec),
      WARMER_CONSOLE_PORT: String(ports.console),
    });
    const run = await startDev();

    const uiUrl = `http://127.0.0.1:${ports.ui}`;
    expect(run.output()).toContain(`Temporal UI   ${uiUrl}`);
    expect(run.output()).toMatch(/npx warmer chip pause demo-1/);
    expect(run.output()).toContain('demo fleet: 6 chips (6 registered now, 6 workflows started now)');
    // Onboarded as an operator's numbers are: the banner shows the first QR code, scanned by the simulator.
    expect(run.output()).toContain('demo fleet: 6 onboarded (instance created, QR code scanned by the simulator, number checked)');
    expect(run.output()).toMatch(
      /\[dev\] onboarding demo-\d \(\*\*\*000\d\): code #1 below[^\n]*\n[\s\S]*█[\s\S]*\[dev\] demo-\d: scanned by the simulator/,
    );
    const ui = await fetch(uiUrl);
    expect(ui.status).toBe(200);
    // Payloads are encrypted; the UI was started with the codec endpoint (its token in the path).
    const codecUrl = `http://127.0.0.1:${ports.codec}/codec`;
    expect(run.output()).toContain(`the UI decodes them through ${codecUrl}`);
    const uiSettings = (await (await fetch(`${uiUrl}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(uiSettings.Codec?.Endpoint).toMatch(new RegExp(`^${codecUrl}/[0-9a-f]{48}$`));
    expect((await fetch(`${uiSettings.Codec!.Endpoint}/decode`, { method: 'POST', body: '{"payloads":[]}' })).status).toBe(200);
    expect((await fetch(`${codecUrl}/decode`, { method: 'POST', body: '{"payloads":[]}' })).status).toBe(401);

    // The console beside the UI, and the worker's endpoints on the webhook port.
    const consoleUrl = `http://127.0.0.1:${ports.console}`;
    expect(run.output()).toContain(`Console       ${consoleUrl}`);
    const fleetPage = await fetch(`${consoleUrl}/?refresh=0`);
    expect(fleetPage.status).toBe(200);
    const html = await fleetPage.text();
    expect(html.match(/<tr data-chip=/g)).toHaveLength(6);
    expect(html).not.toContain('5511900000001');
    const worker = `http://127.0.0.1:${ports.webhook}`;
    expect((await fetch(`${worker}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${worker}/metrics`)).text();
    expect(metrics).toContain('warmer_messages_sent_total');
    // The SDK's runtime metrics (its own Prometheus exporter) come through the same endpoint.
    expect(metrics).toMatch(/^temporal_\w+/m);

    const chips = await demoFleet();
    expect(chips.map((c) => c.instance).sort()).toEqual(['demo-1', 'demo-2', 'demo-3', 'demo-4', 'demo-5', 'demo-6']);
    for (const c of chips) {
      expect(c.phone).toMatch(/^\*\*\*\d{4}$/);
      expect(c.status).toBe('warming');
    }
    firstIds = chips.map((c) => c.chipId).sort();
    // The printed table shows the same six chips, phones masked.
    expect(run.output()).toMatch(/demo-6 +setup/);
    expect(run.output()).not.toContain('5511900000001');

    const stopMs = await stopDev(run);
    console.log(`first run: ready in ${run.readyMs} ms, stopped in ${stopMs} ms`);
  },
  READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 60_000,
);

test(
  'a second npm run dev picks the same fleet up where it was',
  async () => {
    expect(firstIds).toHaveLength(6);
    const epoch = readFileSync(path.join(dir, 'dev-epoch'), 'utf8');
    const run = await startDev();
    expect(run.output()).toContain('demo fleet: 6 chips (0 registered now, 0 workflows started now)');
    // Each registered chip's webhook is pointed at the receiver once the simulator is up: no warning per chip.
    expect(run.output()).not.toMatch(/webhook not set/);
    expect((await demoFleet()).map((c) => c.chipId).sort()).toEqual(firstIds);
    expect(readFileSync(path.join(dir, 'dev-epoch'), 'utf8')).toBe(epoch);
    const stopMs = await stopDev(run);
    console.log(`second run: ready in ${run.readyMs} ms, stopped in ${stopMs} ms`);
  },
  READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 60_000,
);
