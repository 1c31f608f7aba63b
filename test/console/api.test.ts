/**
 * The read-only JSON API other systems ask ("is this number ready?"): GET /api/chips and
 * /api/chips/<ref>, behind WARMER_API_TOKEN even on loopback. Real HTTP, embedded database.
 */
import type { IncomingMessage } from 'node:http';
import type { ChipRecord, Db } from '../../src/adapters/db/port';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import { mayReadApi } from '../../src/console/auth';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { aChip } from '../helpers/db-fixtures';

const API_TOKEN = 'api-token-for-campaigns-0001';
let db: Db;
let closeDb: () => Promise<void>;
let ready: ChipRecord;
let warming: ChipRecord;

beforeAll(async () => {
  const client = openEmbeddedSql();
  db = createEmbeddedDb({ client });
  closeDb = () => client.close();
  await db.migrate();
  ready = await aChip(db, { fleetId: 'loja-sp', instanceName: 'loja-sp-01' });
  const phases = ['setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao'] as const;
  for (let i = 0; i + 1 < phases.length; i++) {
    await db.promoteChip({
      chipId: ready.id,
      from: phases[i]!,
      to: phases[i + 1]!,
      health: 80,
      replyRate: 0.4,
      at: new Date().toISOString(),
    });
  }
  warming = await aChip(db, { fleetId: 'loja-rj', instanceName: 'loja-rj-01' });
});
afterAll(async () => {
  await closeDb?.();
});

async function consoleWith(apiToken?: string): Promise<ConsoleServer> {
  return startConsole({
    db,
    temporal: async () => Promise.reject(new Error('no Temporal in this test')),
    settings: { dayMs: 86_400_000, epochMs: 0 },
    temporalUiUrl: 'http://localhost:8233',
    namespace: 'default',
    port: 0,
    apiToken,
  });
}

const get = async (server: ConsoleServer, path: string, token?: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? ((await res.json()) as Record<string, unknown>) : await res.text() };
};

describe('with WARMER_API_TOKEN set', () => {
  let server: ConsoleServer;
  beforeAll(async () => {
    server = await consoleWith(API_TOKEN);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses the API without the bearer token or with a wrong one (401), even on loopback', async () => {
    expect(server.loopbackOnly).toBe(true);
    for (const path of ['/api/chips', `/api/chips/${ready.id}`, '/api/fleet']) {
      expect(await get(server, path)).toMatchObject({ status: 401, body: { ok: false, error: expect.stringMatching(/WARMER_API_TOKEN/) } });
      expect((await get(server, path, 'not-the-token')).status).toBe(401);
    }
    // The token in the address is not the API's way: no bearer, no answer.
    expect((await get(server, `/api/chips?token=${API_TOKEN}`)).status).toBe(401);
  });

  it('lists the chips with a ready flag, phones masked', async () => {
    const { status, body } = await get(server, '/api/chips', API_TOKEN);
    expect(status).toBe(200);
    const chips = (body as { chips: Record<string, unknown>[] }).chips;
    expect(chips.map((c) => [c.id, c.ready, c.status, c.phase])).toEqual([
      [ready.id, true, 'ready', 'operacao'],
      [warming.id, false, 'warming', 'setup'],
    ]);
    expect(chips[0]).toMatchObject({
      instance: 'loja-sp-01',
      phone: `***${ready.phone.slice(-4)}`,
      fleetId: 'loja-sp',
      readyAt: expect.any(String),
    });
    expect(JSON.stringify(body)).not.toContain(ready.phone);
  });

  it('answers "is this number ready?" by phone, and filters by status and fleet', async () => {
    const byPhone = async (phone: string) =>
      ((await get(server, `/api/chips?phone=${encodeURIComponent(phone)}`, API_TOKEN)).body as { chips: { id: string; ready: boolean }[] })
        .chips;
    expect(await byPhone(`+${ready.phone}`)).toEqual([expect.objectContaining({ id: ready.id, ready: true })]);
    expect(await byPhone(warming.phone)).toEqual([expect.objectContaining({ id: warming.id, ready: false })]);
    expect(await byPhone('5511900000000')).toEqual([]);
    expect(((await get(server, '/api/chips?status=ready', API_TOKEN)).body as { chips: { id: string }[] }).chips.map((c) => c.id)).toEqual([
      ready.id,
    ]);
    expect(((await get(server, '/api/chips?fleet=loja-rj', API_TOKEN)).body as { chips: { id: string }[] }).chips.map((c) => c.id)).toEqual(
      [warming.id],
    );
    expect(await get(server, '/api/chips?status=bogus', API_TOKEN)).toMatchObject({
      status: 400,
      body: { ok: false, error: expect.stringMatching(/status 'bogus'/) },
    });
  });

  it('gives one chip by id, instance or phone with its ready flag; 404 for none', async () => {
    for (const ref of [ready.id, 'loja-sp-01', ready.phone]) {
      const { status, body } = await get(server, `/api/chips/${ref}`, API_TOKEN);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ready: true, chip: { id: ready.id, phone: `***${ready.phone.slice(-4)}` } });
    }
    expect((await get(server, `/api/chips/${warming.id}`, API_TOKEN)).body).toMatchObject({ ready: false });
    expect((await get(server, '/api/chips/nao-existe', API_TOKEN)).status).toBe(404);
  });

  it("keeps the console's rules for pages: a loopback console's pages need no token", async () => {
    expect((await get(server, '/')).status).toBe(200);
  });
});

describe('without WARMER_API_TOKEN', () => {
  it("follows the console's rules: open on loopback", async () => {
    const server = await consoleWith(undefined);
    try {
      const { status, body } = await get(server, '/api/chips');
      expect(status).toBe(200);
      expect((body as { chips: unknown[] }).chips).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('API access rule', () => {
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as unknown as IncomingMessage;
  it("takes the API token as a bearer, or an operator's console token, on any interface", () => {
    const policy = { loopbackOnly: false, token: 'console-token', apiToken: 'api-token' };
    expect(mayReadApi(policy, req('Bearer api-token'), 'api-token')).toEqual({ ok: true });
    expect(mayReadApi(policy, req(), 'console-token')).toEqual({ ok: true });
    expect(mayReadApi(policy, req(), 'api-token')).toMatchObject({ ok: false, status: 401 });
    expect(mayReadApi({ loopbackOnly: true, apiToken: 'api-token' }, req(), undefined)).toMatchObject({ ok: false, status: 401 });
    expect(mayReadApi({ loopbackOnly: true }, req(), undefined)).toEqual({ ok: true });
    expect(mayReadApi({ loopbackOnly: false, token: 'console-token' }, req(), undefined)).toMatchObject({ ok: false, status: 401 });
  });
});
