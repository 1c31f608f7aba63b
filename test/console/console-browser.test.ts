/**
 * The console in real headless Chromium (Debian's chromium; .ci/run installs it), over real parts:
 * a Temporal dev server with a worker, PostgreSQL holding a seeded fleet, the simulator. Screenshots
 * land in test-artifacts/console/ (git-ignored).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chipStatus } from '../../src/client/chips';
import { formatPercent } from '../../src/domain/phases';
import { programDayStart } from '../../src/console/data';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { launchChromium } from '../helpers/browser';
import { LIVE_FLEET, SEEDED_FLEET, startConsoleStack, type ConsoleStack } from '../helpers/console-stack';

const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [stack, browser] = await Promise.all([startConsoleStack({ seededChips: 12 }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** A page that records every console error and uncaught exception. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`));
  return { page, errors };
}

function warmer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/warmer.js'), ...args],
      { cwd: ROOT, env: stack.cliEnv, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface CliFleetRow {
  chipId: string;
  phone: string;
  phase: string;
  dayInPhase: number;
  health: number;
  replyRate: number;
  sentToday: number | null;
  cap: number;
  status: string;
  pending: string[];
  openAlerts: number;
  source: string;
}

const STATUS_LABEL: Record<string, string> = {
  warming: 'aquecendo',
  paused: 'pausado',
  ready: 'pronto',
  banned: 'banido',
  retired: 'aposentado',
};

test('the fleet page loads without a console error, draws every chart, and shows the numbers of `warmer fleet --json`', async () => {
  const { page, errors } = await openPage();
  await page.goto(`${stack.console.url}/?fleet=${SEEDED_FLEET}&refresh=0`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'fleet.png'), fullPage: true });

  // Charts: the funnel has a bar per phase, the status bar and the gauge have their parts, and every
  // chip with a health history has a sparkline with that many points.
  expect(await page.locator('svg.funnel rect').count()).toBe(5);
  expect(await page.locator('svg.bar rect[data-count]').count()).toBeGreaterThanOrEqual(2);
  expect(Number(await page.locator('svg.gauge rect[data-value]').getAttribute('data-value'))).toBeGreaterThan(0);
  const sparks = await page.locator('svg.spark').evaluateAll((nodes) =>
    nodes.map((n) => ({
      points: Number(n.getAttribute('data-points')),
      segments: (n.querySelector('path')?.getAttribute('d') ?? '').split('L').length,
    })),
  );
  expect(sparks).toHaveLength(12);
  for (const s of sparks) {
    expect(s.points).toBeGreaterThan(0);
    expect(s.segments).toBe(Math.max(2, s.points));
  }

  const cli = await warmer('fleet', '--json', '--fleet', SEEDED_FLEET);
  expect(cli.stderr).toBe('');
  const fleet = JSON.parse(cli.stdout) as { chips: CliFleetRow[]; openAlerts: unknown[] };
  expect(fleet.chips).toHaveLength(12);
  // No workflow runs for the seeded chips: the CLI reads the database too, with the same rules.
  expect(new Set(fleet.chips.map((c) => c.source))).toEqual(new Set(['database']));
  const shown = await page.locator('#fleet-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => {
      const cell = (f: string) => (r.querySelector(`[data-field="${f}"]`)?.textContent ?? '').trim();
      return {
        chipId: r.getAttribute('data-chip'),
        phone: r.querySelector('.phone')?.textContent,
        day: cell('day'),
        health: cell('health'),
        replyRate: cell('replyRate'),
        sent: cell('sent'),
        pending: cell('pending'),
        status: r.getAttribute('data-status'),
        statusText: cell('status'),
        alerts: cell('alerts'),
      };
    }),
  );
  expect(shown.map((r) => r.chipId).sort()).toEqual(fleet.chips.map((c) => c.chipId).sort());
  for (const c of fleet.chips) {
    const row = shown.find((r) => r.chipId === c.chipId)!;
    expect(row.phone).toBe(c.phone);
    expect(row.day).toMatch(new RegExp(`^dia ${c.dayInPhase}( de \\d+)?$`));
    expect(row.health).toBe(String(c.health));
    expect(row.replyRate).toBe(formatPercent(c.replyRate));
    // The CLI has no per-day count without a workflow; the cap is the phase's either way.
    expect(row.sent).toMatch(new RegExp(`^\\d+/${c.cap}$`));
    expect(row.pending).toBe(c.pending.join(', ') || '-');
    expect(row.status).toBe(c.status);
    expect(row.statusText.startsWith(STATUS_LABEL[c.status]!)).toBe(true);
    expect(row.alerts).toBe(c.openAlerts ? String(c.openAlerts) : '');
  }
  // Fleet-level figures add up from the same rows; today's sends match the database.
  const byPhase = await page
    .locator('svg.funnel rect')
    .evaluateAll((rects) => Object.fromEntries(rects.map((r) => [r.getAttribute('data-phase'), Number(r.getAttribute('data-count'))])));
  for (const phase of Object.keys(byPhase)) expect(byPhase[phase]).toBe(fleet.chips.filter((c) => c.phase === phase).length);
  const [sentRow] = (
    await stack.pool.query(
      `select count(*)::int as n from warmup_interactions i join warmup_chips c on c.id = i.chip_id
       where c.fleet_id = $1 and i.tipo = 'msg_enviada' and i.estado = 'sent' and i.created_at >= $2`,
      [SEEDED_FLEET, programDayStart({ dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS }, Date.now())],
    )
  ).rows;
  expect(Number(await page.locator('#sent-today').textContent())).toBe(sentRow.n);
  const capToday = fleet.chips.filter((c) => c.status === 'warming' || c.status === 'paused').reduce((sum, c) => sum + c.cap, 0);
  expect(Number(await page.locator('#cap-today').textContent())).toBe(capToday);
  // The fleet breaker comes first among the alerts.
  expect(await page.locator('#alerts li').first().getAttribute('data-kind')).toBe('fleet_breaker');
  expect(Number(await page.locator('#alert-count').textContent())).toBe(fleet.openAlerts.length);
  // Phones are masked everywhere on the page.
  expect(await page.content()).not.toMatch(/5511955\d{6}/);
  expect(errors).toEqual([]);
  await page.close();
});

test('chips whose workflows run show the same numbers as `warmer fleet --json` reads from their workflows', async () => {
  // Once each workflow has recorded its first health, what it persisted is what its status query answers.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = (
      await stack.pool.query('select count(distinct chip_id)::int as n from warmup_health_log where chip_id = any($1::uuid[])', [
        stack.live.map((c) => c.id),
      ])
    ).rows;
    if (row.n === stack.live.length) break;
    if (Date.now() > deadline) throw new Error('the live chips never recorded their health');
    await new Promise((r) => setTimeout(r, 100));
  }
  const cli = await warmer('fleet', '--json', '--fleet', LIVE_FLEET);
  const fleet = JSON.parse(cli.stdout) as { chips: CliFleetRow[] };
  expect(fleet.chips.map((c) => c.source)).toEqual(['workflow', 'workflow']);
  const api = (await (await fetch(`${stack.console.url}/api/fleet?fleet=${LIVE_FLEET}`)).json()) as { chips: CliFleetRow[] };
  const pick = (c: CliFleetRow) => [
    c.chipId,
    c.phone,
    c.phase,
    c.dayInPhase,
    c.health,
    c.replyRate,
    c.sentToday,
    c.cap,
    c.status,
    c.pending,
  ];
  expect(api.chips.map(pick)).toEqual(fleet.chips.map(pick));
});

test('a chip page loads without a console error and every chart draws its data', async () => {
  const chip = stack.seeded.find((c) => c.phase === 'expansao' && c.ageDays >= 10)!;
  const { page, errors } = await openPage();
  await page.goto(`${stack.console.url}/chips/${chip.id}`);
  await page.waitForSelector('#chart-reply canvas');
  await page.screenshot({ path: path.join(ARTIFACTS, 'chip.png'), fullPage: true });
  for (const id of ['chart-health', 'chart-volume', 'chart-reply']) {
    const drawn = await page.locator(`#${id}`).evaluate((el) => {
      const canvas = el.querySelector('canvas')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
      return { points: Number((el as unknown as { dataset: Record<string, string> }).dataset.drawn), inked, width: canvas.width };
    });
    expect(drawn.width).toBeGreaterThan(200);
    expect(drawn.points).toBeGreaterThan(5);
    expect(drawn.inked).toBeGreaterThan(1000);
  }
  expect(await page.locator('#promotions li').count()).toBe(2); // setup -> primeiros_contatos -> expansao
  const partners = await page.locator('#conversations td.phone').allTextContents();
  expect(partners.length).toBeGreaterThan(0);
  for (const p of partners) expect(p).toMatch(/^\*\*\*\d{4}$/);
  expect(await page.content()).not.toMatch(/5511955\d{6}/);
  expect(await page.locator('#live').getAttribute('data-state')).toBe('missing');
  expect(errors).toEqual([]);
  await page.close();
});

test('pause from the page pauses the workflow (status query), resume brings it back, both recorded', async () => {
  const chip = stack.live[0]!;
  const { page, errors } = await openPage();
  await page.goto(`${stack.console.url}/chips/${chip.id}`);
  await page.waitForSelector('#live[data-state="running"]');
  await page.fill('#pause-form input[name=reason]', 'conferindo o número');
  await page.fill('#pause-form input[name=operator]', 'Ana');
  await Promise.all([page.waitForURL(/flash=/), page.click('#pause-form button')]);
  expect(await page.locator('#flash').textContent()).toMatch(/paused \(conferindo o número\)/);
  const paused = await chipStatus(stack.env.client, chip.id);
  expect(paused.status).toBe('paused');
  expect(paused.statusReason).toBe('conferindo o número');
  await page.reload();
  expect(await page.locator('#live').getAttribute('data-status')).toBe('paused');
  await page.screenshot({ path: path.join(ARTIFACTS, 'chip-paused.png'), fullPage: true });

  await page.fill('#resume-form input[name=operator]', 'Ana');
  await Promise.all([page.waitForURL(/flash=/), page.click('#resume-form button')]);
  expect(await page.locator('#flash').textContent()).toMatch(/resumed/);
  expect((await chipStatus(stack.env.client, chip.id)).status).toBe('warming');

  const audit = await stack.db.listOperatorActions({ chipId: chip.id });
  expect(audit.map((a) => [a.action, a.reason, a.source])).toEqual([
    ['resume', null, 'console'],
    ['pause', 'conferindo o número', 'console'],
  ]);
  expect(audit[0]!.actor).toMatch(/^Ana via console \(/);
  expect(await page.locator('#audit tbody tr').count()).toBe(2);
  expect(errors).toEqual([]);
  await page.close();
});

describe('a console that listens beyond loopback', () => {
  let open: ConsoleServer;
  beforeAll(async () => {
    open = await startConsole({
      db: stack.db,
      temporal: async () => stack.env.client,
      settings: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
      temporalUiUrl: 'http://127.0.0.1:8233',
      namespace: 'default',
      host: '0.0.0.0',
      port: 0,
      token: 'console-test-token',
    });
  });
  afterAll(async () => {
    await open?.close();
  });

  test('refuses an action without the token (403) and takes it with the token', async () => {
    const chip = stack.live[1]!;
    expect(open.loopbackOnly).toBe(false);
    const without = await fetch(`${open.url}/chips/${chip.id}/pause`, {
      method: 'POST',
      body: new URLSearchParams({ reason: 'sem token' }),
    });
    expect(without.status).toBe(403);
    const wrong = await fetch(`${open.url}/api/chips/${chip.id}/pause`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
      body: '{"reason":"x"}',
    });
    expect(wrong.status).toBe(403);
    expect((await chipStatus(stack.env.client, chip.id)).status).toBe('warming');
    expect(await stack.db.listOperatorActions({ chipId: chip.id })).toEqual([]);
    // Reading needs the token too once one is configured.
    expect((await fetch(`${open.url}/api/fleet`)).status).toBe(401);

    // In the browser: the token once in the address, then a cookie; the pause goes through.
    const { page, errors } = await openPage();
    await page.goto(`${open.url}/chips/${chip.id}?token=console-test-token`);
    await page.fill('#pause-form input[name=reason]', 'com token');
    await Promise.all([page.waitForURL(/flash=/), page.click('#pause-form button')]);
    expect((await chipStatus(stack.env.client, chip.id)).status).toBe('paused');
    const api = await fetch(`${open.url}/api/chips/${chip.id}/resume`, {
      method: 'POST',
      headers: { authorization: 'Bearer console-test-token' },
    });
    expect(api.status).toBe(200);
    expect((await api.json()) as { applied: boolean }).toMatchObject({ ok: true, applied: true });
    expect((await chipStatus(stack.env.client, chip.id)).status).toBe('warming');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a console without a token on a public interface keeps actions refused', async () => {
    const bare = await startConsole({
      db: stack.db,
      temporal: async () => stack.env.client,
      settings: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
      temporalUiUrl: 'http://127.0.0.1:8233',
      namespace: 'default',
      host: '0.0.0.0',
      port: 0,
    });
    try {
      expect((await fetch(`${bare.url}/api/fleet`)).status).toBe(200);
      const refused = await fetch(`${bare.url}/api/chips/${stack.live[1]!.id}/retire`, { method: 'POST' });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toMatch(/WARMER_CONSOLE_TOKEN/);
    } finally {
      await bare.close();
    }
  });
});

test('`warmer console` serves the same pages and JSON', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/warmer.js'), 'console', '--port', '0'], {
    cwd: ROOT,
    env: stack.cliEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no address printed: ${out}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Warmer console on (http:\/\/\S+) \(loopback only/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const api = (await (await fetch(`${url}/api/fleet?fleet=${SEEDED_FLEET}`)).json()) as { chips: { chipId: string }[] };
    expect(api.chips.map((c) => c.chipId).sort()).toEqual(stack.seeded.map((c) => c.id).sort());
    const html = await (await fetch(`${url}/chips/${stack.seeded[3]!.id}`)).text();
    expect(html).toContain('id="chart-health"');
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});
