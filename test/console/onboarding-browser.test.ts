/**
 * The console's "Novo chip" in real headless Chromium, over real parts (Temporal dev server, worker,
 * PostgreSQL, the simulator as the provider): the form starts an onboarding, the page shows the QR
 * code as an image that refreshes itself and the current step, and once the phone "scans" it (the
 * simulator's test-only route) the browser lands on the chip's page.
 */
import type { Browser, Page } from 'playwright-core';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { launchChromium } from '../helpers/browser';
import { startOnboardingStack, type OnboardingStack } from '../helpers/onboarding-stack';

let stack: OnboardingStack;
let browser: Browser;
let consoleServer: ConsoleServer;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startOnboardingStack({ codeLifetime: '3s', qrLifetimeMs: 1000 }), launchChromium()]);
  consoleServer = await startConsole({
    db: stack.db,
    temporal: async () => stack.env.client,
    settings: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    port: 0,
    onboarding: { taskQueue: stack.config.temporal.taskQueue, settings: stack.config.onboarding },
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await consoleServer?.close();
  await stack?.close();
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

/** Waits until the page shows a decoded QR image other than `previous`; returns its src. */
async function qrShown(page: Page, previous: string | null): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const shown = await page
      .locator('#qr')
      .evaluate((el) => {
        const img = el as unknown as {
          complete: boolean;
          naturalWidth: number;
          closest(s: string): unknown;
          getAttribute(n: string): string | null;
        };
        const src = img.getAttribute('src');
        return src && !img.closest('[hidden]') && img.complete && img.naturalWidth > 0 ? src : null;
      })
      .catch(() => null);
    if (shown && shown !== previous) return shown;
    await page.waitForTimeout(100);
  }
  throw new Error(`no QR image other than ${previous} was shown`);
}

test('Novo chip: the form starts an onboarding, its QR code refreshes itself, and the scan leads to the chip page', async () => {
  const phone = '5511966400001';
  const { page, errors } = await openPage();
  await page.goto(`${consoleServer.url}/`);
  await page.click('#new-chip');
  await page.waitForURL(`${consoleServer.url}/onboard`);
  // The form carries the session's CSRF token, as every console form does.
  expect(await page.locator('#onboard-form input[type=hidden][name=csrf]').getAttribute('value')).toMatch(/^[\w-]{20,}$/);

  // A bad phone comes back with the form and the reason.
  await page.fill('input[name=phone]', '12345');
  await page.fill('input[name=instance]', 'web-novo-1');
  await page.click('#onboard-form button');
  await page.waitForSelector('#flash');
  expect(await page.textContent('#flash')).toMatch(/Invalid phone '12345'/);
  expect(await page.inputValue('input[name=instance]')).toBe('web-novo-1');

  await page.fill('input[name=phone]', `+${phone}`);
  await page.fill('input[name=fleet]', 'web');
  await page.fill('input[name=operator]', 'ana');
  errors.length = 0; // the refused post above answered 400, which the browser logs
  await page.click('#onboard-form button');
  await page.waitForURL(`${consoleServer.url}/onboard/web-novo-1`);

  // The QR code is an image the browser really decoded, and the page replaces it when it expires.
  const first = await qrShown(page, null);
  expect(await page.textContent('#step')).toBe('aguardando a conexão do número');
  const second = await qrShown(page, first);
  expect(Number(await page.textContent('#code-count'))).toBeGreaterThan(1);
  const svg = await (await fetch(new URL(second, consoleServer.url))).text();
  expect(svg).toMatch(/^<svg[\s\S]*<path/);
  // No inline script anywhere on the page (a strict Content-Security-Policy can forbid them).
  expect(await page.locator('script').evaluateAll((nodes) => nodes.filter((n) => !n.getAttribute('src')).length)).toBe(0);

  await stack.scan('web-novo-1', phone);
  await page.waitForURL(/\/chips\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  expect(await page.textContent('h1')).toMatch(/Chip/);
  expect(await page.textContent('.facts')).toMatch(/\*\*\*0001 · instância web-novo-1 · frota web/);
  const chip = await stack.db.findChipByInstance('web-novo-1');
  expect(page.url()).toBe(`${consoleServer.url}/chips/${chip!.id}`);
  expect(errors).toEqual([]);
});

test('starting an onboarding follows the console action rules: a post from another origin, or without CSRF proof, is refused', async () => {
  const res = await fetch(`${consoleServer.url}/onboard`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    body: 'phone=%2B5511966400002&instance=web-intruso',
    redirect: 'manual',
  });
  expect(res.status).toBe(403);
  const noProof = await fetch(`${consoleServer.url}/onboard`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(consoleServer.url).origin },
    body: 'phone=%2B5511966400002&instance=web-intruso',
    redirect: 'manual',
  });
  expect(noProof.status).toBe(403);
  expect(await noProof.text()).toMatch(/csrf/i);
  expect(stack.simulator.control.instances().some((i) => i.name === 'web-intruso')).toBe(false);
  const missing = await fetch(`${consoleServer.url}/onboard/nao-existe`);
  expect(missing.status).toBe(404);
});
