/**
 * The instance-management adapter over real HTTP against the simulator: the shapes it sends, the
 * simulator's checks of them (as Evolution's), codes that expire, a scan that connects, and the
 * provider's quirks (connect's 200 `{ error: true }`, fetchInstances' 404, 403 for a name in use).
 */
import { createEvolutionInstances } from '../../../src/adapters/messaging/evolution-instances';
import type { MessagingInstances } from '../../../src/adapters/messaging/instances-port';
import { ProviderUnavailable } from '../../../src/adapters/messaging/provider-unavailable';
import { InstanceRefused, ProviderConfig } from '../../../src/domain/errors';
import { WARMUP_INSTANCE_SETTINGS } from '../../../src/domain/onboarding';
import { SIM_TEST_PREFIX } from '../../../src/simulator/instance-routes';
import { startSimulator, type Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A } from '../../simulator/fixtures';
import { startWebhookSink, type WebhookSink } from '../../simulator/webhook-sink';

const NEW_PHONE = '5511990000077';
let sim: Simulator;
let sink: WebhookSink;
let instances: MessagingInstances;

beforeEach(async () => {
  sim = await startSimulator({ apiKey: API_KEY, webhookRetryBaseDelayMs: 5, qrLifetimeMs: 60_000 });
  sim.control.addInstance(CHIP_A.instance, CHIP_A.phone);
  sink = await startWebhookSink();
  instances = createEvolutionInstances({ baseUrl: sim.url, apiKey: API_KEY, retries: 1, retryBaseDelayMs: 5 });
});

afterEach(async () => {
  await sim.close();
  await sink.close();
});

const post = async (path: string, body: unknown, apikey = API_KEY) => {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { response?: { message: unknown } } };
};
const webhook = () => ({ url: sink.url, headers: { 'x-warmer-secret': 'own-secret' }, events: ['CONNECTION_UPDATE', 'MESSAGES_UPSERT'] });

test('create starts a session that waits for a scan; codes are replaced once expired; a scan connects the number', async () => {
  const created = await instances.createInstance({ instanceName: 'novo-1', webhook: webhook() });
  expect(created.state).toBe('connecting');
  expect(created.code).toEqual({ code: expect.stringMatching(/^2@/), pairingCode: null, count: 1 });
  const [request] = sim.control.requests().filter((r) => r.path === '/instance/create');
  expect(request!.body).toEqual({
    instanceName: 'novo-1',
    integration: 'WHATSAPP-BAILEYS',
    qrcode: true,
    webhook: {
      enabled: true,
      url: sink.url,
      headers: { 'x-warmer-secret': 'own-secret' },
      byEvents: false,
      base64: false,
      events: ['CONNECTION_UPDATE', 'MESSAGES_UPSERT'],
    },
  });
  expect(await instances.fetchInstance('novo-1')).toEqual({ name: 'novo-1', state: 'connecting', ownerPhone: null });

  // The same code while it is valid, then a new one with the count up.
  expect((await instances.connect('novo-1')).code).toEqual(created.code);
  sim.control.expireCode('novo-1');
  const second = await instances.connect('novo-1');
  expect(second.code?.count).toBe(2);
  expect(second.code?.code).not.toBe(created.code?.code);

  // A stale code cannot be scanned; the current one can (through the test-only route, as the dev stack does).
  expect((await post(`${SIM_TEST_PREFIX}/scan/novo-1`, { phone: NEW_PHONE, code: created.code!.code })).status).toBe(409);
  expect((await post(`${SIM_TEST_PREFIX}/scan/novo-1`, { phone: NEW_PHONE }, 'wrong-key')).status).toBe(401);
  const scanned = await post(`${SIM_TEST_PREFIX}/scan/novo-1`, { phone: NEW_PHONE, code: second.code!.code });
  expect(scanned).toEqual({ status: 200, body: { instance: 'novo-1', state: 'open', ownerJid: `${NEW_PHONE}@s.whatsapp.net` } });
  await sim.control.idle();
  expect(sink.received.map((r) => [r.body.event, (r.body.data as { state?: string }).state])).toEqual([['connection.update', 'open']]);

  expect(await instances.connect('novo-1')).toEqual({ state: 'open', code: null });
  expect(await instances.fetchInstance('novo-1')).toEqual({ name: 'novo-1', state: 'open', ownerPhone: NEW_PHONE });
  expect(await instances.connectionState('novo-1')).toBe('open');
  // Nobody can scan a connected instance, or connect a number another instance holds.
  expect(() => sim.control.scan('novo-1', NEW_PHONE)).toThrow(/not waiting for a scan/);
});

test('a pairing code is issued for the number given and only that number can use it', async () => {
  const created = await instances.createInstance({ instanceName: 'novo-2', pairingNumber: `+${NEW_PHONE}` });
  expect(created.code).toEqual({ code: expect.any(String), pairingCode: expect.stringMatching(/^[A-Z0-9]{8}$/), count: 1 });
  expect(sim.control.requests().find((r) => r.path === '/instance/create')!.body).toMatchObject({ number: NEW_PHONE, qrcode: true });
  const again = await instances.connect('novo-2', { pairingNumber: NEW_PHONE });
  expect(again.code?.pairingCode).toBe(created.code?.pairingCode);
  expect(sim.control.requests().at(-1)!.path).toBe('/instance/connect/novo-2');
  expect(() => sim.control.scan('novo-2', '5511990000078')).toThrow(/issued for another number/);
  expect(() => sim.control.scan('novo-2', CHIP_A.phone)).toThrow();
  sim.control.scan('novo-2', NEW_PHONE, created.code!.pairingCode!);
  expect(await instances.fetchInstance('novo-2')).toMatchObject({ state: 'open', ownerPhone: NEW_PHONE });
});

test("connect treats the provider's 200 { error: true } as a failure, never as a code", async () => {
  await instances.createInstance({ instanceName: 'novo-3' });
  sim.control.failNextRequests('novo-3', 1, 500);
  const failed = instances.connect('novo-3');
  await expect(failed).rejects.toBeInstanceOf(ProviderUnavailable);
  await expect(failed).rejects.toThrow(/failed on the provider: Error: Simulated provider failure/);
  const raw = await fetch(`${sim.url}/instance/connect/novo-3?number=abc`, { headers: { apikey: API_KEY } });
  expect(raw.status).toBe(200);
  expect(await raw.json()).toEqual({ error: true, message: expect.stringMatching(/pairing code/) });
});

test("settings go through the profile port's /settings/set into the simulator's one settings store; creation writes there too", async () => {
  await instances.setInstanceSettings(CHIP_A.instance, { ...WARMUP_INSTANCE_SETTINGS, msgCall: 'já retorno' });
  expect(sim.control.instanceSettings(CHIP_A.instance)).toEqual({ ...WARMUP_INSTANCE_SETTINGS, msgCall: 'já retorno' });
  expect(sim.control.requests().filter((r) => r.path === `/settings/set/${CHIP_A.instance}`)).toHaveLength(1);
  const missing = await post(`/settings/set/${CHIP_A.instance}`, { rejectCall: true });
  expect(missing.status).toBe(400);
  const wrongType = await post(`/settings/set/${CHIP_A.instance}`, { ...WARMUP_INSTANCE_SETTINGS, alwaysOnline: 'yes' });
  expect(wrongType.status).toBe(400);
  expect(sim.control.instanceSettings(CHIP_A.instance)).toEqual({ ...WARMUP_INSTANCE_SETTINGS, msgCall: 'já retorno' });

  const created = await post('/instance/create', {
    instanceName: 'novo-5',
    integration: 'WHATSAPP-BAILEYS',
    qrcode: true,
    rejectCall: true,
    msgCall: 'ocupado',
  });
  expect(created.status).toBe(201);
  expect(created.body.settings).toMatchObject({ rejectCall: true, msgCall: 'ocupado', groupsIgnore: false });
  expect(sim.control.instanceSettings('novo-5')).toMatchObject({ rejectCall: true, msgCall: 'ocupado', readMessages: false });
});

test('create refuses what Evolution refuses; the adapter reads a name in use as InstanceRefused and a missing instance as null', async () => {
  const base = { instanceName: 'novo-4', integration: 'WHATSAPP-BAILEYS', qrcode: true };
  expect((await post('/instance/create', { ...base, webhook: { enabled: true, url: sink.url } })).status).toBe(400); // no events
  expect((await post('/instance/create', { ...base, integration: undefined, Integration: 'WHATSAPP-BAILEYS' })).status).toBe(400);
  expect((await post('/instance/create', { ...base, number: '+55 11 99000-0077' })).status).toBe(400);
  expect((await post('/instance/create', { ...base, instanceName: '' })).status).toBe(400);
  expect((await post('/instance/create', { integration: 'WHATSAPP-BAILEYS' })).status).toBe(403);
  // v1's flat webhook fields are never read: the instance is created without a webhook.
  const flat = await post('/instance/create', { ...base, webhookUrl: sink.url, webhookEvents: ['CONNECTION_UPDATE'] });
  expect(flat.status).toBe(201);
  expect(sim.control.instances().find((i) => i.name === 'novo-4')!.webhook).toBeNull();

  await expect(instances.createInstance({ instanceName: CHIP_A.instance })).rejects.toBeInstanceOf(InstanceRefused);
  expect(await instances.fetchInstance('ghost')).toBeNull();
  await expect(instances.connect('ghost')).rejects.toBeInstanceOf(ProviderConfig);
  const badKey = createEvolutionInstances({ baseUrl: sim.url, apiKey: 'wrong', retries: 0 });
  await expect(badKey.fetchInstance(CHIP_A.instance)).rejects.toThrow(/401/);
  expect(await instances.fetchInstance(CHIP_A.instance)).toEqual({ name: CHIP_A.instance, state: 'open', ownerPhone: CHIP_A.phone });
});
