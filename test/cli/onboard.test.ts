/**
 * `warmer chip onboard`, `chip import` and the instance check of `chip add`, as an operator runs them:
 * child processes of bin/warmer.js against a Temporal dev server, a worker on the real activities,
 * the simulator as the provider (its test-only scan route stands for the phone) and PostgreSQL.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onboardingHandle } from '../../src/client/onboarding';
import { onboardingQuery } from '../../src/workflows/onboarding-api';
import { startOnboardingStack, type OnboardingStack } from '../helpers/onboarding-stack';

const ROOT = path.resolve(__dirname, '../..');
let stack: OnboardingStack;
let dir: string;

beforeAll(async () => {
  stack = await startOnboardingStack({ codeLifetime: '2s', qrLifetimeMs: 500 });
  dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-import-'));
});
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function warmer(args: string[], env: NodeJS.ProcessEnv = stack.cliEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/warmer.js'), ...args], { cwd: ROOT, env, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the command in the background, calling `whenOut` once its output matches. */
function warmerUntil(args: string[], pattern: RegExp, whenOut: () => Promise<void>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/warmer.js'), ...args], { cwd: ROOT, env: stack.cliEnv });
    let stdout = '';
    let stderr = '';
    let fired = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!fired && pattern.test(stdout)) {
        fired = true;
        whenOut().catch(reject);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

test('chip onboard shows a QR code in the terminal, a new one when it expires, and returns once the chip is warming', async () => {
  const phone = '5511966100001';
  const run = await warmerUntil(
    ['chip', 'onboard', '--phone', `+${phone}`, '--instance', 'cli-novo-1', '--fleet', 'cli'],
    /QR code #2[\s\S]*Scan it/,
    () => stack.scan('cli-novo-1', phone),
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/Onboarding cli-novo-1 for \*\*\*0001 \(onboarding\/cli-novo-1\)/);
  expect(run.stdout).toMatch(/- waiting_for_connection: aguardando a conexão do número/);
  expect(run.stdout).toMatch(/QR code #1 \(valid until \d\d:\d\d:\d\d UTC; a new one follows\):\n/);
  // The terminal rendering: a square of half-block rows, finder patterns included.
  const firstQr = run.stdout.split('QR code #1')[1]!.split('Scan it')[0]!.split('\n');
  expect(firstQr.filter((l) => /[▀▄█]/.test(l)).length).toBeGreaterThanOrEqual(20);
  expect(firstQr.some((l) => l.includes('█ ▄▄▄ █'))).toBe(true);
  expect(run.stdout).toMatch(/QR code #2/);
  expect(run.stdout).toMatch(
    /Chip [0-9a-f-]{36} \(\*\*\*0001, instance cli-novo-1\) is warming: connected after \d+ s; workflow chip-warmup\//,
  );
  expect(run.stdout).not.toContain(phone);
  const chip = await stack.db.findChipByInstance('cli-novo-1');
  expect(chip).toMatchObject({ phone, fleetId: 'cli', status: 'warming' });
});

test('exit codes: 1 when the onboarding ends without a chip or the input is bad, 2 for usage; --no-wait --json returns at once', async () => {
  stack.simulator.control.addInstance('cli-outro', '5511966100098');
  const wrong = await warmer(['chip', 'onboard', '--phone', '5511966100002', '--instance', 'cli-outro']);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/error: WrongNumber: Instance 'cli-outro' is connected to \*\*\*0098, not to \*\*\*0002/);
  expect(await stack.db.findChipByPhone('5511966100002')).toBeNull();

  const badName = await warmer(['chip', 'onboard', '--phone', '5511966100002', '--instance', 'no spaces/please']);
  expect(badName.code).toBe(1);
  expect(badName.stderr).toMatch(/InvalidInput: Invalid instance name 'no spaces\/please'/);
  const usage = await warmer(['chip', 'onboard', '--phone', '5511966100002']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/required option '--instance <name>' not specified/);
  const help = await warmer(['chip', 'onboard', '--help']);
  expect(help.stdout).toMatch(/Exit codes: 0 the chip is warming .*1 the onboarding ended without a chip, 2 usage/);

  const started = await warmer([
    'chip',
    'onboard',
    '--phone',
    '5511966100003',
    '--instance',
    'cli-par',
    '--pairing-code',
    '--no-wait',
    '--json',
  ]);
  expect(started.code).toBe(0);
  expect(JSON.parse(started.stdout)).toEqual({
    event: 'started',
    workflowId: 'onboarding/cli-par',
    instance: 'cli-par',
    fleetId: 'default',
    attached: false,
  });
  const handle = onboardingHandle(stack.env.client, 'cli-par');
  let view = await handle.query(onboardingQuery);
  for (let i = 0; i < 100 && !view.code; i++) view = (await new Promise((r) => setTimeout(r, 100)), await handle.query(onboardingQuery));
  expect(view).toMatchObject({
    method: 'pairing',
    phone: '***0003',
    code: { kind: 'pairing', value: expect.stringMatching(/^[A-Z0-9]{8}$/) },
  });
  // Run again, it follows the same onboarding; for another number it is refused.
  const again = await warmer([
    'chip',
    'onboard',
    '--phone',
    '5511966100003',
    '--instance',
    'cli-par',
    '--pairing-code',
    '--no-wait',
    '--json',
  ]);
  expect(JSON.parse(again.stdout)).toMatchObject({ attached: true });
  const other = await warmer(['chip', 'onboard', '--phone', '5511966100004', '--instance', 'cli-par', '--no-wait']);
  expect(other.code).toBe(1);
  expect(other.stderr).toMatch(/already running for \*\*\*0003/);
  await handle.terminate('test over');
});

test('chip import: good rows onboard (a connected instance is registered), done rows are skipped, bad rows are named by line', async () => {
  stack.simulator.control.addInstance('imp-conectada', '5511966200002');
  const file = path.join(dir, 'chips.csv');
  writeFileSync(
    file,
    [
      'phone,instance,fleet',
      '+55 11 96620-0001,imp-nova,lote',
      '5511966200002,imp-conectada,lote',
      '5511966200001,imp-repetida,lote',
      '12345,imp-ruim,lote',
      '5511966200005,imp-curta',
      '',
      '5511966100001,cli-novo-1,cli',
    ].join('\n'),
  );
  const run = await warmer(['chip', 'import', file]);
  expect(run.code).toBe(1);
  const lines = run.stdout.split('\n');
  const row = (n: number) => lines.find((l) => l.startsWith(`${n} `)) ?? '';
  expect(row(2)).toMatch(/^2 +\*\*\*0001 +imp-nova +lote +waiting +waiting for its QR code to be used/);
  expect(row(3)).toMatch(/^3 +\*\*\*0002 +imp-conectada +lote +warming +adopted: already connected/);
  expect(row(4)).toMatch(/^4 .* error +duplicate of line 2/);
  expect(row(5)).toMatch(/^5 .* error +Invalid phone '12345'/);
  expect(row(6)).toMatch(/^6 .* error +expected 3 fields \(phone,instance,fleet\), found 2/);
  expect(row(8)).toMatch(/^8 +\*\*\*0001 +cli-novo-1 +cli +skipped +already registered as chip/);
  expect(run.stdout).toMatch(/1 warming, 1 waiting, 0 started, 1 skipped, 0 failed, 3 error/);
  expect(run.stderr).toMatch(/3 row\(s\) not imported: line\(s\) 4, 5, 6\. The other rows are unaffected\./);
  expect(run.stdout).not.toMatch(/55119662/);

  expect(await stack.db.findChipByInstance('imp-conectada')).toMatchObject({ phone: '5511966200002', fleetId: 'lote' });
  expect((await onboardingHandle(stack.env.client, 'imp-nova').query(onboardingQuery)).step).toBe('waiting_for_connection');
  for (const name of ['imp-repetida', 'imp-ruim', 'imp-curta']) {
    expect(stack.simulator.control.instances().some((i) => i.name === name)).toBe(false);
  }
  const header = path.join(dir, 'bad-header.csv');
  writeFileSync(header, 'fone,instance\n5511966200009,x\n');
  const refused = await warmer(['chip', 'import', header]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(
    /Line 1 of .* must be the header phone,instance,fleet \(fleet optional\); unknown column\(s\): fone\. Nothing was imported\./,
  );
  await onboardingHandle(stack.env.client, 'imp-nova').terminate('test over');
});

test('chip add refuses an instance that does not exist, is not connected or holds another number; --force registers it, audited', async () => {
  const missing = await warmer(['chip', 'add', '--phone', '5511966300001', '--instance', 'add-fantasma']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/ProviderConfig: Instance 'add-fantasma' does not exist on the provider/);
  const other = await warmer(['chip', 'add', '--phone', '5511966300001', '--instance', 'cli-outro']);
  expect(other.code).toBe(1);
  expect(other.stderr).toMatch(/WrongNumber: Instance 'cli-outro' is connected to \*\*\*0098, not to \*\*\*0001/);
  const waiting = await warmer(['chip', 'add', '--phone', '5511966200001', '--instance', 'imp-nova']);
  expect(waiting.code).toBe(1);
  expect(waiting.stderr).toMatch(/Instance 'imp-nova' is not connected \(state connecting\)/);
  expect(await stack.db.findChipByPhone('5511966300001')).toBeNull();

  stack.simulator.control.addInstance('add-certa', '5511966300002');
  expect((await warmer(['chip', 'add', '--phone', '5511966300002', '--instance', 'add-certa'])).code).toBe(0);

  const forced = await warmer(['chip', 'add', '--phone', '5511966300001', '--instance', 'add-fantasma', '--force', '--json'], {
    ...stack.cliEnv,
    WARMER_OPERATOR: 'ana.ops',
  });
  expect(forced.code).toBe(0);
  expect(forced.stderr).toMatch(
    /warning: chip [0-9a-f-]{36} registered with --force by ana\.ops \(cli\) although the instance check failed: ProviderConfig/,
  );
  const chipId = (JSON.parse(forced.stdout) as { chipId: string }).chipId;
  const alerts = await stack.db.listAlerts({ chipId });
  expect(alerts.map((a) => [a.kind, a.severity])).toEqual([['chip_add_forced', 'warning']]);
  expect(alerts[0]!.message).toMatch(/--force por ana\.ops \(cli\).*'add-fantasma'/);
});
