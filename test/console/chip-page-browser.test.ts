/**
 * One truth on a chip's page, in real headless Chromium over real parts (Temporal dev server with a
 * worker, PostgreSQL, the console): its cards and its live panel show the same figures, from the
 * workflow while it answers and from the database otherwise, say which, label every field in
 * Portuguese, and tick the charts' program-day axes at whole days only. Screenshots land in
 * test-artifacts/console/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chipStatus, startChipWarmup } from '../../src/client/chips';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { programClock, programDay } from '../../src/domain/clock';
import type { ChipStatusView } from '../../src/domain/chip-state';
import { formatPercent } from '../../src/domain/phases';
import { launchChromium } from '../helpers/browser';
import { startConsoleStack, type ConsoleStack } from '../helpers/console-stack';
import { clockAtNoon, testSettings } from '../helpers/temporal';
import { preparedState } from '../helpers/worker-processes';

// A program day of one real hour whose program time is noon now: the page's "today" cannot roll over
// during the test, whatever the hour it runs at. The console reads the same clock.
const DAY_MS = 60 * 60_000;
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/console');

let stack: ConsoleStack;
let browser: Browser;
let server: ConsoleServer;
let clock: { dayMs: number; epochMs: number };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [stack, browser] = await Promise.all([startConsoleStack({ seededChips: 4 }), launchChromium()]);
  clock = clockAtNoon(Date.now(), DAY_MS);
  server = await startConsole({
    db: stack.db,
    temporal: async () => stack.env.client,
    settings: clock,
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    port: 0,
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await browser?.close();
  await stack?.close();
});

async function openChip(consoleUrl: string, chipId: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${consoleUrl}/chips/${chipId}`);
  await page.waitForSelector('#chart-reply canvas');
  return { page, errors };
}

/** The figures the page shows twice: in its cards and in its live panel (null: no live panel). */
async function shown(page: Page) {
  const text = async (selector: string) =>
    (await page.locator(selector).count()) ? (await page.locator(selector).textContent())!.trim() : null;
  return {
    source: await text('#figures-source'),
    cards: {
      health: await text('#kpi-health'),
      sent: await text('#kpi-sent'),
      reply: await text('#kpi-reply'),
      pending: await text('#kpi-pending'),
    },
    live: {
      health: await text('#live td[data-live="health"]'),
      sent: await text('#live td[data-live="sentToday"]'),
      reply: await text('#live td[data-live="replyRate"]'),
      pending: await text('#live td[data-live="pending"]'),
    },
  };
}

/** Every field name of the workflow's status query: none may reach the page as a label. */
const RAW_KEYS: (keyof ChipStatusView)[] = [
  'chipId',
  'phase',
  'dayInPhase',
  'phaseDays',
  'health',
  'replyRate',
  'sentToday',
  'cap',
  'capToday',
  'capReason',
  'capText',
  'quarantine',
  'status',
  'statusReason',
  'pausedBy',
  'pending',
  'busyWith',
  'stalled',
  'sentTotal',
  'receivedTotal',
  'maxSentPerDay',
  'promotions',
  'runs',
  // ---- status posts and receive-first
  'statusPostsToday',
  'statusCapToday',
  'statusPostsTotal',
  'receiveFirstUntilMs',
  // ---- end status posts and receive-first
];

/** The x axis of each chart: what uPlot drew (ticks and labels), recorded by the page's script. */
async function dayAxes(page: Page): Promise<{ id: string; ticks: number[]; labels: string[] }[]> {
  return page.locator('.plot').evaluateAll((plots) =>
    plots.map((el) => {
      const data = (el as unknown as { dataset: Record<string, string | undefined> }).dataset;
      return { id: el.id, ticks: JSON.parse(data.xTicks ?? 'null') as number[], labels: JSON.parse(data.xLabels ?? 'null') as string[] };
    }),
  );
}

test("a running chip's cards and live panel show the workflow's figures, though the database lags behind, labelled in Portuguese", async () => {
  // The database says health 46 and nothing sent today (its health is logged once a program day);
  // the workflow, later, has health 62 and today's 10 of 10 sent.
  const chip = await stack.db.registerChip({ phone: '5511966000101', instanceName: 'verdade-1', fleetId: 'verdade' });
  await stack.db.promoteChip({
    chipId: chip.id,
    from: 'setup',
    to: 'primeiros_contatos',
    health: 46,
    replyRate: 0.4,
    at: new Date().toISOString(),
  });
  const now = Date.now();
  const settings = testSettings({ ...clock, paceScale: 0 });
  const today = programDay(programClock(clock.dayMs, clock.epochMs), now);
  await startChipWarmup(stack.env.client, {
    chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
    registeredAt: chip.createdAt,
    settings,
    taskQueue: stack.taskQueue,
    state: { ...preparedState('primeiros_contatos', now, DAY_MS, clock.epochMs), health: 62, sentToday: 10, day: today },
  });
  // The workflow logs its health once when it starts; then the database falls behind it again.
  for (let i = 0; ; i++) {
    const [row] = (await stack.pool.query('select count(*)::int as n from warmup_health_log where chip_id = $1', [chip.id])).rows;
    if (row.n > 0) break;
    if (i > 300) throw new Error('the workflow never logged its health');
    await new Promise((r) => setTimeout(r, 100));
  }
  const view = await chipStatus(stack.env.client, chip.id);
  await stack.pool.query('update warmup_chips set health_score = $2 where id = $1', [chip.id, view.health - 16]);
  expect(view.sentToday).toBe(10);
  expect(view.capToday).toBe(10);

  const { page, errors } = await openChip(server.url, chip.id);
  await page.screenshot({ path: path.join(ARTIFACTS, 'chip-live.png'), fullPage: true });
  const figures = await shown(page);
  expect(figures.source).toBe('fonte: workflow');
  const expected = {
    health: String(view.health),
    sent: `${view.sentToday}/${view.capToday}`,
    reply: formatPercent(view.replyRate),
    pending: view.pending.join(', ') || '-',
  };
  expect(figures.cards).toEqual(expected);
  expect(figures.live).toEqual(expected);
  // And neither is the database's lagging figure.
  const [db] = (await stack.pool.query('select health_score from warmup_chips where id = $1', [chip.id])).rows;
  expect(String(db.health_score)).not.toBe(figures.cards.health);
  // The status badge is the workflow's too.
  expect(view.status).toBe('warming');
  expect(await page.locator('h1 .status').textContent()).toBe('aquecendo');

  // Every live field has a Portuguese label; no field name of the query shows anywhere on the page.
  const labels = await page.locator('#live th').allTextContents();
  expect(labels.length).toBeGreaterThanOrEqual(10);
  expect(labels).toEqual(expect.arrayContaining(['dia na fase', 'limite da fase', 'enviadas no total', 'recebidas no total']));
  const visible = await page.locator('body').innerText();
  // "health" and "status" are the console's Portuguese words too (as in "Status ao vivo").
  for (const key of RAW_KEYS.filter((k) => k !== 'health' && k !== 'status')) expect(visible).not.toMatch(new RegExp(`\\b${key}\\b`));
  expect(await page.locator('#live td[data-live="status"]').textContent()).toBe('aquecendo');

  // A chip registered today has a single program day: its axes tick at day 0 only, never at -0.5 or 0.5.
  const axes = await dayAxes(page);
  expect(axes.map((a) => a.id)).toEqual(['chart-health', 'chart-volume', 'chart-reply']);
  for (const axis of axes) {
    expect(axis.ticks.length).toBeGreaterThan(0);
    for (const tick of axis.ticks) expect(Number.isInteger(tick)).toBe(true);
    for (const label of axis.labels) expect(label).toMatch(/^-?\d+$/);
  }
  expect(errors).toEqual([]);
  await page.close();
});

test("a chip without a workflow shows the database's figures, says so, and ticks its axes at whole program days", async () => {
  // The seeded history is in real days: the stack's own console reads it on that clock.
  const chip = stack.seeded.find((c) => c.ageDays >= 10 && c.phase !== 'operacao') ?? stack.seeded[0]!;
  const { page, errors } = await openChip(stack.console.url, chip.id);
  await page.screenshot({ path: path.join(ARTIFACTS, 'chip-database.png'), fullPage: true });
  const figures = await shown(page);
  expect(figures.source).toBe('fonte: banco de dados (sem workflow)');
  const [db] = (await stack.pool.query('select health_score from warmup_chips where id = $1', [chip.id])).rows;
  expect(figures.cards.health).toBe(String(db.health_score));
  expect(figures.live).toEqual({ health: null, sent: null, reply: null, pending: null });
  expect(await page.locator('#live').textContent()).toMatch(/sem workflow; os números acima vêm do banco de dados/);
  const axes = await dayAxes(page);
  expect(axes).toHaveLength(3);
  for (const axis of axes) {
    expect(axis.ticks.length).toBeGreaterThan(1);
    for (const tick of axis.ticks) expect(Number.isInteger(tick)).toBe(true);
    for (const label of axis.labels) expect(label).toMatch(/^-?\d+$/);
  }
  expect(errors).toEqual([]);
  await page.close();
});
