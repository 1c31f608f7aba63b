/**
 * The console against the pages an operator's browser may open, in real Chromium over real parts (a
 * Temporal dev server with a worker, PostgreSQL, the simulator): a page served from another loopback
 * origin, a local file and a DNS-rebinding name try pause, resume and retire; every attempt is refused
 * and the chip's workflow and record stay as they were, while the console's own page still acts.
 * Then the rest of the console's doors: the token on loopback, headers, ?refresh=, malformed addresses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Db } from '../../src/adapters/db/port';
import { chipStatus } from '../../src/client/chips';
import { startConsole, type ConsoleOptions } from '../../src/console/server';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { launchChromium } from '../helpers/browser';
import { startConsoleStack, type ConsoleStack } from '../helpers/console-stack';

const REBIND = 'rebind.attacker.example';

let stack: ConsoleStack;
let browser: Browser;
let context: BrowserContext;
let attacker: Server;
let attackerUrl: string;
const attackPages = new Map<string, string>();

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startConsoleStack({ seededChips: 1 }),
    launchChromium([`--host-resolver-rules=MAP ${REBIND} 127.0.0.1`]),
  ]);
  // The attacker's site: another origin on loopback (127.0.0.1, another port), serving whatever page is set.
  attacker = createServer((req, res) => {
    const html = attackPages.get(req.url ?? '') ?? 'nothing here';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  context = await browser.newContext();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  attacker?.closeAllConnections();
  await new Promise((resolve) => attacker?.close(resolve));
  await stack?.close();
});

/** A console on the stack's database and Temporal, its log lines kept. */
async function consoleWith(extra: Partial<ConsoleOptions>, db: Db = stack.db) {
  const lines: string[] = [];
  const server = await startConsole({
    db,
    temporal: async () => stack.env.client,
    settings: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    port: 0,
    log: (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    ...extra,
  });
  return { server, lines };
}

const formPage = (action: string) =>
  `<form method="post" action="${action}"><input name="reason" value="pwned"><input name="operator" value="mallory"></form>` +
  '<script>document.forms[0].submit()</script>';
const escAttr = (html: string) => html.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** The attacks, each given the console URL it posts to. */
const ATTACKS: Record<string, (target: string) => string> = {
  'form in a sandboxed iframe (Origin: null)': (target) =>
    `<iframe sandbox="allow-forms allow-scripts" srcdoc="${escAttr(formPage(target))}"></iframe>`,
  'plain cross-origin form': (target) => formPage(target),
  "fetch with mode 'no-cors'": (target) =>
    `<script>fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ reason: 'pwned' }) })</script>`,
  'form in a local file (Origin: null)': (target) => formPage(target),
};

/**
 * Runs one attack from the operator's own browser context and returns what the console logged about
 * it (a request from a sandboxed frame is out of the page's network events, so the console tells).
 */
async function attack(kind: string, target: string, lines: string[]): Promise<string[]> {
  const html = ATTACKS[kind]!(target);
  let where: string;
  if (kind.includes('local file')) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'warmer-attack-')), 'fatura.html');
    writeFileSync(file, html);
    where = `file://${file}`;
  } else {
    const key = `/attack-${attackPages.size}`;
    attackPages.set(key, html);
    where = `${attackerUrl}${key}`;
  }
  const before = lines.length;
  const page = await context.newPage();
  try {
    await page.goto(where);
    const deadline = Date.now() + 15_000;
    while (lines.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return lines.slice(before);
  } finally {
    await page.close();
  }
}

async function chipState(chipId: string) {
  const [live, row, audit] = await Promise.all([
    chipStatus(stack.env.client, chipId),
    stack.db.getChip(chipId),
    stack.db.listOperatorActions({ chipId }),
  ]);
  return { live: live.status, row: row.status, audit: audit.map((a) => a.action) };
}

/** The chip's state once it has settled on `expected` (the workflow records its status a moment after acting). */
async function expectChip(chipId: string, expected: Awaited<ReturnType<typeof chipState>>): Promise<void> {
  const deadline = Date.now() + 10_000;
  let state = await chipState(chipId);
  while (JSON.stringify(state) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    state = await chipState(chipId);
  }
  expect(state).toEqual(expected);
}

async function actFromOwnPage(page: Page, consoleUrl: string, chipId: string, form: 'pause' | 'resume'): Promise<void> {
  await page.goto(`${consoleUrl}/chips/${chipId}`);
  await page.waitForSelector('#live[data-state="running"]');
  if (form === 'pause') await page.fill('#pause-form input[name=reason]', 'conferindo');
  await Promise.all([page.waitForURL(/flash=/), page.click(`#${form}-form button`)]);
}

test('pages from another origin, a sandboxed frame and a local file cannot pause, resume or retire; the own page can', async () => {
  const chip = stack.live[0]!;
  const { server, lines } = await consoleWith({});
  // The operator has the console open in this browser: its session cookie goes along with every attempt.
  const own = await context.newPage();
  await own.goto(`${server.url}/chips/${chip.id}`);
  await own.waitForSelector('#live[data-state="running"]');
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: [] });

  const tryAll = async (action: string) => {
    for (const route of [`/chips/${chip.instanceName}/${action}`, `/api/chips/${chip.instanceName}/${action}`]) {
      for (const kind of Object.keys(ATTACKS)) {
        const logged = await attack(kind, `${server.url}${route}`, lines);
        expect([kind, logged]).toEqual([
          kind,
          [expect.stringMatching(new RegExp(`^warn console action refused .*"path":"${route}".*"status":403`))],
        ]);
      }
    }
  };

  await tryAll('pause');
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: [] });

  await actFromOwnPage(own, server.url, chip.id, 'pause');
  expect(await own.locator('#flash').textContent()).toMatch(/paused \(conferindo\)/);
  await expectChip(chip.id, { live: 'paused', row: 'paused', audit: ['pause'] });

  await tryAll('resume');
  await tryAll('retire');
  await expectChip(chip.id, { live: 'paused', row: 'paused', audit: ['pause'] });

  await actFromOwnPage(own, server.url, chip.id, 'resume');
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: ['resume', 'pause'] });
  await own.close();
  await server.close();
});

test('the console cannot be framed (clickjacking): the frame stays empty', async () => {
  const key = '/frame';
  attackPages.set(key, `<iframe id="victim" src="${stack.console.url}/chips/${stack.live[0]!.id}" width="800" height="600"></iframe>`);
  const page = await context.newPage();
  try {
    const framed = page.waitForResponse((r) => r.url().startsWith(`${stack.console.url}/chips/`));
    await page.goto(`${attackerUrl}${key}`);
    const response = await framed;
    expect(response.headers()['x-frame-options']).toBe('DENY');
    const child = page.frames().find((f) => f !== page.mainFrame())!;
    expect(await child.locator('#pause-form').count()).toBe(0);
  } finally {
    await page.close();
  }
});

test('a rebound name (foreign Host) gets 421 on pages, the API and actions, even same-origin with the CSRF header', async () => {
  const chip = stack.live[1]!;
  const page = await context.newPage();
  try {
    const foreign = `http://${REBIND}:${stack.console.port}`;
    expect((await page.goto(`${foreign}/`))!.status()).toBe(421);
    expect((await page.goto(`${foreign}/chips/${chip.id}`))!.status()).toBe(421);
    // To the browser these are same-origin requests: only the Host header tells them apart.
    const statuses = await page.evaluate(async (id) => {
      const api = await fetch('/api/fleet');
      const act = await fetch(`/api/chips/${id}/retire`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-warmer-csrf': '1' },
        body: '{"reason":"rebound"}',
      });
      return [api.status, act.status];
    }, chip.id);
    expect(statuses).toEqual([421, 421]);
    const form = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.evaluate(
      `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '/chips/${chip.id}/pause'; document.body.appendChild(f); f.submit(); })()`,
    );
    expect((await form).status()).toBe(421);
  } finally {
    await page.close();
  }
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: [] });
});

test('pages send CSP with frame-ancestors none, X-Frame-Options, Referrer-Policy and nosniff; ?refresh= is bounded', async () => {
  const res = await fetch(`${stack.console.url}/chips/${stack.live[0]!.id}`);
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await res.text();
  // No inline script runs on the page: scripts are files, and the only inline block is JSON data.
  expect(html).not.toMatch(/<script(?![^>]*(src=|type="application\/json"))/);
  expect(html).not.toMatch(/\son[a-z]+="/);

  const refresh = async (value: string) =>
    /<meta http-equiv="refresh" content="(\d+)">/.exec(await (await fetch(`${stack.console.url}/?refresh=${value}`)).text())?.[1] ?? 'none';
  expect(await Promise.all(['0.001', '-1', '99999', 'abc', '7', '0'].map(refresh))).toEqual(['30', '30', '30', '30', '7', 'none']);
});

/** A raw request, for targets fetch() would normalize and headers it would not send (or would add). */
function raw(port: number, target: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const rawGet = (port: number, target: string, headers: Record<string, string> = {}) => raw(port, target, headers);

test('an action without Origin still needs the CSRF proof: the session token, or a header no cross-site form can send', async () => {
  const chip = stack.live[1]!;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const port = stack.console.port;
  // A session cookie of this console, and a token made for another session (or by another console).
  const page = await rawGet(port, `/chips/${chip.id}`);
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const token = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const other = await rawGet(port, `/chips/${chip.id}`);
  const otherToken = /name="csrf" value="([^"]+)"/.exec(other.body)![1]!;
  expect(otherToken).not.toBe(token);
  for (const [headers, body] of [
    [form, 'reason=x'],
    [{ ...form, cookie }, 'reason=x'],
    [{ ...form, cookie }, `reason=x&csrf=${otherToken}`],
    [{ ...form }, `reason=x&csrf=${token}`],
    [{ 'content-type': 'application/json' }, '{"reason":"x"}'],
  ] as const) {
    for (const route of [`/chips/${chip.id}/pause`, `/api/chips/${chip.id}/pause`])
      expect([route, body, (await raw(port, route, headers, 'POST', body)).status]).toEqual([route, body, 403]);
  }
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: [] });

  // With the proof, the same requests act: a script's header on the API, the page's token in a form.
  const json = { 'content-type': 'application/json', 'x-warmer-csrf': '1' };
  // The resume follows at once: both actions were taken (two audit rows), and the record ends warming.
  expect((await raw(port, `/api/chips/${chip.id}/pause`, json, 'POST', '{"reason":"script"}')).status).toBe(200);
  expect((await raw(port, `/chips/${chip.id}/resume`, { ...form, cookie }, 'POST', `csrf=${token}`)).status).toBe(303);
  await expectChip(chip.id, { live: 'warming', row: 'warming', audit: ['resume', 'pause'] });
});

test('a console token set on a loopback console is required there too; its cookie is Secure behind a trusted HTTPS proxy', async () => {
  const token = 'loopback-console-token-0001';
  const { server } = await consoleWith({ token, trustedProxies: ['127.0.0.1'] });
  const chip = stack.live[1]!;
  const before = await chipState(chip.id);
  try {
    expect(server.loopbackOnly).toBe(true);
    expect((await fetch(`${server.url}/`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/fleet`)).status).toBe(401);
    const noToken = await fetch(`${server.url}/api/chips/${chip.id}/pause`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-warmer-csrf': '1' },
      body: '{"reason":"sem token"}',
    });
    expect(noToken.status).toBe(403);
    expect((await fetch(`${server.url}/api/fleet`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    // /?token= moves the token into a cookie and out of the address; Secure only over HTTPS.
    const plain = await rawGet(server.port, `/?token=${token}`);
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe('/');
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
    const viaProxy = await rawGet(server.port, `/?token=${token}`, { 'x-forwarded-proto': 'https' });
    expect(String(viaProxy.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Secure/);
  } finally {
    await server.close();
  }
  // X-Forwarded-Proto from an address that is not a configured proxy is not believed.
  const { server: direct } = await consoleWith({ token });
  try {
    const res = await rawGet(direct.port, `/?token=${token}`, { 'x-forwarded-proto': 'https' });
    expect(String(res.headers['set-cookie'])).not.toMatch(/Secure/);
  } finally {
    await direct.close();
  }
  await expectChip(chip.id, before);
});

test('a malformed address is 400 and a failure is 500, and neither the page nor the log carries the query', async () => {
  const broken = new Proxy(stack.db, {
    get: (target, key) =>
      key === 'fleetOverview'
        ? () => Promise.reject(new Error('database exploded'))
        : (target as unknown as Record<string, unknown>)[key as string],
  });
  const { server, lines } = await consoleWith({}, broken);
  try {
    const malformed = await rawGet(server.port, '/chips/%E0%A4%A?token=leaky-token-value');
    expect(malformed.status).toBe(400);
    expect(malformed.body).not.toContain('leaky');
    const failed = await rawGet(server.port, '/?token=leaky-token-value&fleet=x');
    expect(failed.status).toBe(500);
    expect(failed.body).not.toContain('leaky');
    expect(lines.some((l) => l.startsWith('error console request failed') && l.includes('"path":"/"'))).toBe(true);
    expect(lines.join('\n')).not.toContain('leaky');
  } finally {
    await server.close();
  }
});
