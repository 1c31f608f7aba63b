import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvolutionClient, type EvolutionClient } from '../../src/adapters/messaging/evolution';
import type { Simulator } from '../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, SECRET, startRecordingReceiver, startSimulatorWithChips, type RecordingReceiver } from './fixtures';

const jid = (phone: string) => `${phone}@s.whatsapp.net`;

describe('simulator with a real webhook receiver', () => {
  let sim: Simulator;
  let receiver: RecordingReceiver;
  let client: EvolutionClient;

  beforeEach(async () => {
    receiver = await startRecordingReceiver();
    sim = await startSimulatorWithChips({ webhookUrl: receiver.url, webhookHeaders: { 'x-warmer-secret': SECRET } });
    client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, retryBaseDelayMs: 5 });
  });

  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  it('a message between two instances is delivered exactly once and its webhooks arrive', async () => {
    const sent = await client.sendText(CHIP_A.instance, CHIP_B.phone, 'oi, tudo bem?');
    await sim.control.idle();

    expect(sim.control.deliveryCount(sent.key.id)).toBe(1);
    expect(sim.control.messagesBetween(CHIP_A.instance, CHIP_B.instance)).toEqual([
      expect.objectContaining({
        messageId: sent.key.id,
        fromInstance: CHIP_A.instance,
        toInstance: CHIP_B.instance,
        text: 'oi, tudo bem?',
      }),
    ]);
    expect(receiver.events.map(({ chipId, kind, messageId, fromPhone }) => ({ chipId, kind, messageId, fromPhone }))).toEqual([
      { chipId: CHIP_B.chipId, kind: 'inbound', messageId: sent.key.id, fromPhone: CHIP_A.phone },
      { chipId: CHIP_A.chipId, kind: 'delivered', messageId: sent.key.id, fromPhone: undefined },
    ]);
    expect(sim.control.webhooks().every((w) => w.status === 200)).toBe(true);

    await client.markRead(CHIP_B.instance, [{ remoteJid: jid(CHIP_A.phone), fromMe: false, id: sent.key.id }]);
    await client.markRead(CHIP_B.instance, [{ remoteJid: jid(CHIP_A.phone), fromMe: false, id: sent.key.id }]);
    await sim.control.idle();
    expect(receiver.events.filter((e) => e.kind === 'read')).toEqual([
      expect.objectContaining({ chipId: CHIP_A.chipId, messageId: sent.key.id }),
    ]);
  });

  it('a conversation delivers every turn once, in order, with presence before each send', async () => {
    const turns = ['oi', 'oi! tudo bem?', 'tudo ótimo, e você?', 'bem também', 'que bom'];
    let lastReceived: { from: string; id: string } | null = null;
    for (const [i, text] of turns.entries()) {
      const [from, to] = i % 2 === 0 ? [CHIP_A, CHIP_B] : [CHIP_B, CHIP_A];
      if (lastReceived) await client.markRead(from.instance, [{ remoteJid: jid(lastReceived.from), fromMe: false, id: lastReceived.id }]);
      await client.sendPresence(from.instance, to.phone, 'composing', 50);
      const sent = await client.sendText(from.instance, to.phone, text);
      lastReceived = { from: from.phone, id: sent.key.id };
    }
    await sim.control.idle();

    const between = sim.control.messagesBetween(CHIP_A.phone, CHIP_B.phone);
    expect(between.map((d) => d.text)).toEqual(turns);
    expect(new Set(between.map((d) => d.messageId)).size).toBe(turns.length);
    const calls = sim.control.requests().map((r) => r.path.split('/')[2]);
    expect(calls.filter((c) => c === 'sendText')).toHaveLength(turns.length);
    calls.forEach((call, i) => call === 'sendText' && expect(calls[i - 1]).toBe('sendPresence'));
    expect(sim.control.reads()).toHaveLength(turns.length - 1);
    expect(receiver.events.filter((e) => e.kind === 'inbound')).toHaveLength(turns.length);
    expect(receiver.events.filter((e) => e.kind === 'read')).toHaveLength(turns.length - 1);
  });

  it('a message to a disconnected instance waits and is delivered once when it reconnects', async () => {
    sim.control.disconnect(CHIP_B.instance);
    const sent = await client.sendText(CHIP_A.instance, CHIP_B.phone, 'está aí?');
    expect(sim.control.pendingDeliveries(CHIP_B.instance)).toBe(1);
    expect(sim.control.deliveryCount(sent.key.id)).toBe(0);

    sim.control.connect(CHIP_B.instance);
    sim.control.connect(CHIP_B.instance);
    await sim.control.idle();
    expect(sim.control.deliveryCount(sent.key.id)).toBe(1);
    expect(receiver.events.map((e) => [e.chipId, e.kind])).toEqual([
      [CHIP_B.chipId, 'connected'],
      [CHIP_B.chipId, 'inbound'],
      [CHIP_A.chipId, 'delivered'],
      [CHIP_B.chipId, 'connected'],
    ]);
  });

  it('ban, logout and a reported disconnect post connection.update close with the code', async () => {
    sim.control.ban(CHIP_A.instance, 402);
    sim.control.logout(CHIP_B.instance);
    sim.control.connect(CHIP_B.instance);
    sim.control.disconnect(CHIP_B.instance, { emit: true, statusReason: 500 });
    sim.control.disconnect(CHIP_B.instance); // silent, as Evolution is for codes it reconnects on
    await sim.control.idle();

    expect(receiver.events.map(({ chipId, kind, statusReason }) => ({ chipId, kind, statusReason }))).toEqual([
      { chipId: CHIP_A.chipId, kind: 'banned', statusReason: 402 },
      { chipId: CHIP_B.chipId, kind: 'logged_out', statusReason: 401 },
      { chipId: CHIP_B.chipId, kind: 'connected', statusReason: undefined },
      // 500 (bad session) needs a new scan: a logout (domain/disconnect-reasons.ts).
      { chipId: CHIP_B.chipId, kind: 'logged_out', statusReason: 500 },
    ]);
    expect(await client.connectionState(CHIP_A.instance)).toBe('close');
    const [row] = (await (
      await fetch(`${sim.url}/instance/fetchInstances?instanceName=${CHIP_A.instance}`, { headers: { apikey: API_KEY } })
    ).json()) as Array<Record<string, unknown>>;
    expect(row).toMatchObject({ name: CHIP_A.instance, connectionStatus: 'close', disconnectionReasonCode: 402 });
  });

  it('posts the Evolution webhook envelope with the configured headers', async () => {
    const seen: Array<{ url: string; headers: Record<string, unknown>; body: Record<string, unknown> }> = [];
    const spy = await listen((req, body) => seen.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(body) }));
    try {
      await client.setWebhook(CHIP_B.instance, { url: `${spy.url}/hooks`, headers: { 'x-warmer-secret': 'per-instance' }, byEvents: true });
      await client.sendText(CHIP_A.instance, CHIP_B.phone, 'oi');
      await sim.control.idle();

      expect(seen).toHaveLength(1); // chip-b's own webhook replaces the global one; chip-a still uses the global
      const [hook] = seen;
      expect(hook?.url).toBe('/hooks/messages-upsert');
      expect(hook?.headers['x-warmer-secret']).toBe('per-instance');
      expect(hook?.body).toMatchObject({
        event: 'messages.upsert',
        instance: CHIP_B.instance,
        data: { key: { remoteJid: jid(CHIP_A.phone), fromMe: false }, status: 'DELIVERY_ACK', message: { conversation: 'oi' } },
        destination: `${spy.url}/hooks/messages-upsert`,
        date_time: expect.stringMatching(/Z$/),
        sender: jid(CHIP_B.phone),
        server_url: sim.url,
        apikey: null,
      });
      expect(receiver.events.map((e) => e.kind)).toEqual(['delivered']);
    } finally {
      await spy.close();
    }
  });
});

describe('simulator robustness and contract details', () => {
  let sim: Simulator;

  afterEach(async () => {
    await sim.close();
  });

  it('webhook delivery failures never crash it: dead URL, 500s retried, 401 not retried', async () => {
    const statuses = [500, 500, 200];
    const spy = await listen((_req, _body, res) => {
      res.statusCode = statuses.shift() ?? 401;
    });
    sim = await startSimulatorWithChips({ webhookUrl: 'http://127.0.0.1:1/webhook', webhookRetries: 2 });
    const client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY });
    try {
      await client.sendText(CHIP_A.instance, CHIP_B.phone, 'ninguém ouvindo');
      await sim.control.idle();
      expect(sim.control.webhooks().every((w) => w.error !== undefined)).toBe(true);
      expect(sim.control.webhooks()).toHaveLength(2 * 3); // upsert + update, 1 + 2 retries each

      sim.control.setWebhook(`${spy.url}/webhook`);
      await client.sendText(CHIP_A.instance, CHIP_B.phone, 'agora sim');
      await sim.control.idle();
      const recent = sim.control
        .webhooks()
        .slice(6)
        .map((w) => w.status);
      expect(recent).toEqual([500, 500, 200, 401]);
      expect(await client.connectionState(CHIP_A.instance)).toBe('open');
    } finally {
      await spy.close();
    }
  });

  it('creates and lists instances over HTTP, with the global key or the instance token', async () => {
    sim = await startSimulatorWithChips();
    const create = await fetch(`${sim.url}/instance/create`, {
      method: 'POST',
      headers: { apikey: API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceName: 'chip-c', number: '5511990000003', integration: 'WHATSAPP-BAILEYS' }),
    });
    expect(create.status).toBe(201);
    const created = (await create.json()) as { instance: { instanceName: string; status: string }; hash: string };
    expect(created.instance).toMatchObject({ instanceName: 'chip-c', status: 'open' });

    const asInstance = createEvolutionClient({ baseUrl: sim.url, apiKey: created.hash });
    expect(await asInstance.connectionState('chip-c')).toBe('open');
    await asInstance.sendText('chip-c', CHIP_A.phone, 'olá');
    expect(sim.control.messagesBetween('chip-c', CHIP_A.instance)).toHaveLength(1);

    const all = (await (await fetch(`${sim.url}/instance/fetchInstances`, { headers: { apikey: API_KEY } })).json()) as unknown[];
    expect(all).toHaveLength(3);
    const own = (await (await fetch(`${sim.url}/instance/fetchInstances`, { headers: { apikey: created.hash } })).json()) as Array<{
      name: string;
    }>;
    expect(own.map((r) => r.name)).toEqual(['chip-c']);
    expect((await fetch(`${sim.url}/instance/fetchInstances?instanceName=ghost`, { headers: { apikey: API_KEY } })).status).toBe(404);

    const duplicate = await fetch(`${sim.url}/instance/create`, {
      method: 'POST',
      headers: { apikey: API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceName: 'chip-c' }),
    });
    expect(duplicate.status).toBe(403);
  });

  it('answers with the error envelope and rejects the obsolete request shapes', async () => {
    sim = await startSimulatorWithChips();
    const call = async (path: string, body: unknown, apikey = API_KEY) => {
      const res = await fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { apikey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { status: number; error: string; response: { message: unknown } } };
    };

    const nested = await call(`/chat/sendPresence/${CHIP_A.instance}`, {
      number: CHIP_B.phone,
      options: { presence: 'composing', delay: 10 },
    });
    expect(nested.status).toBe(400);
    expect(nested.body).toEqual({
      status: 400,
      error: 'Bad Request',
      response: { message: [['instance requires property "presence"', 'instance requires property "delay"']] },
    });

    const flatWebhook = await call(`/webhook/set/${CHIP_A.instance}`, { enabled: true, url: 'http://x/y', events: ['MESSAGES_UPSERT'] });
    expect(flatWebhook.status).toBe(400);

    expect(await call(`/message/sendText/${CHIP_A.instance}`, { number: CHIP_B.phone, text: 'x' }, 'bad')).toEqual({
      status: 401,
      body: { status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } },
    });
    const missing = await call('/message/sendText/ghost', { number: CHIP_B.phone, text: 'x' }, 'bad');
    expect(missing.status).toBe(404); // existence is checked before the key
    expect(missing.body.response.message).toEqual(['The "ghost" instance does not exist']);

    sim.control.markUnregistered('5511990008888');
    const unregistered = await call(`/message/sendText/${CHIP_A.instance}`, { number: '5511990008888', text: 'x' });
    expect(unregistered.body.response.message).toEqual([{ jid: jid('5511990008888'), exists: false, number: '5511990008888' }]);

    const unknownRoute = await fetch(`${sim.url}/message/sendPoll/${CHIP_A.instance}`, { method: 'POST', headers: { apikey: API_KEY } });
    expect(unknownRoute.status).toBe(404);
  });

  it('holds presence calls for their delay when asked to, like the real server', async () => {
    sim = await startSimulatorWithChips({ holdPresence: true });
    const client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY });
    const started = Date.now();
    await client.sendPresence(CHIP_A.instance, CHIP_B.phone, 'composing', 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

/** A bare HTTP listener that records posts; `onPost` may set res.statusCode. */
async function listen(
  onPost: (req: import('node:http').IncomingMessage, body: string, res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      onPost(req, body, res);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
