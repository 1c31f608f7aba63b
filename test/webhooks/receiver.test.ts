import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { ConfigError } from '../../src/domain/errors';
import type { ChipProviderEvent } from '../../src/webhooks/events';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';
import { CHIP_A, SECRET } from '../simulator/fixtures';

let receiver: WebhookReceiver;
let events: ChipProviderEvent[];
let failNextEvent: boolean;
const logLines: string[] = [];

const upsert = {
  event: 'messages.upsert',
  instance: CHIP_A.instance,
  data: {
    key: { remoteJid: '5511990000002@s.whatsapp.net', fromMe: false, id: '3EB0CAFE' },
    pushName: 'chip-b',
    status: 'DELIVERY_ACK',
    message: { conversation: 'oi' },
    messageType: 'conversation',
    messageTimestamp: 1741608000,
  },
  destination: 'http://warmer/webhook',
  date_time: '2025-03-10T09:00:00.000Z',
  sender: `${CHIP_A.phone}@s.whatsapp.net`,
  server_url: 'http://evolution',
  apikey: null,
};

function post(body: string | Buffer | object, headers: Record<string, string> = { 'x-warmer-secret': SECRET }, path = '') {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

beforeEach(async () => {
  events = [];
  failNextEvent = false;
  logLines.length = 0;
  receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SECRET,
    maxBodyBytes: 16 * 1024,
    now: () => new Date('2025-03-10T12:00:00.000Z'),
    resolveChip: async (instance) => (instance === CHIP_A.instance ? { chipId: CHIP_A.chipId, phone: CHIP_A.phone } : null),
    onEvent: async (event) => {
      if (failNextEvent) {
        failNextEvent = false;
        throw new Error('signal failed');
      }
      events.push(event);
    },
    log: (level, message, fields) => logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
  });
});

afterEach(async () => {
  await receiver.close();
});

describe('webhook receiver', () => {
  it('a valid post becomes a typed event for the chip and answers 200', async () => {
    const res = await post(upsert);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(events).toEqual([
      {
        chipId: CHIP_A.chipId,
        instance: CHIP_A.instance,
        kind: 'inbound',
        messageId: '3EB0CAFE',
        fromPhone: '5511990000002',
        at: '2025-03-10T12:00:00.000Z',
      },
    ]);
  });

  it('an instance with its own secret is accepted with that secret only; the others with the shared one', async () => {
    await receiver.close();
    const own = 'own-secret-of-chip-a-0123';
    receiver = await startWebhookReceiver({
      port: 0,
      host: '127.0.0.1',
      secret: SECRET,
      instanceSecrets: { [CHIP_A.instance]: own },
      resolveChip: async (instance) =>
        instance === CHIP_A.instance || instance === 'other' ? { chipId: CHIP_A.chipId, phone: CHIP_A.phone } : null,
      onEvent: async (event) => void events.push(event),
      log: (level, message, fields) => logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    });
    expect((await post(upsert, { 'x-warmer-secret': own })).status).toBe(200);
    // The shared secret is known to every other instance: it cannot post for one that has its own.
    expect((await post(upsert)).status).toBe(401);
    expect((await post({ ...upsert, instance: 'other' })).status).toBe(200);
    expect((await post({ ...upsert, instance: 'other' }, { 'x-warmer-secret': own })).status).toBe(401);
    expect((await post(upsert, { 'x-warmer-secret': 'wrong-secret-0123456789' })).status).toBe(401);
    expect((await post(upsert, {})).status).toBe(401);
    expect(events.map((e) => e.instance)).toEqual([CHIP_A.instance, 'other']);
    expect(logLines.join('\n')).not.toContain(own);
  });

  it("a secret that is nobody's is refused before the body is read, however long the body", async () => {
    await receiver.close();
    receiver = await startWebhookReceiver({
      port: 0,
      host: '127.0.0.1',
      secret: SECRET,
      instanceSecrets: { [CHIP_A.instance]: 'own-secret-of-chip-a-0123' },
      maxBodyBytes: 1024,
      resolveChip: async () => ({ chipId: CHIP_A.chipId, phone: CHIP_A.phone }),
      onEvent: async (event) => void events.push(event),
    });
    const long = JSON.stringify({ ...upsert, padding: 'x'.repeat(64 * 1024) });
    expect((await post(long, { 'x-warmer-secret': 'not-anyones-secret-0123' })).status).toBe(401);
    expect((await post('{not json', { 'x-warmer-secret': 'not-anyones-secret-0123' })).status).toBe(401);
    expect(events).toEqual([]);
  });

  it('refuses a wrong secret before reading the body: an over-long body with a wrong or missing secret is 401, not 413 or 400', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver({
      port: 0,
      host: '127.0.0.1',
      secret: SECRET,
      instanceSecrets: { [CHIP_A.instance]: 'own-secret-of-a-0123456' },
      maxBodyBytes: 16 * 1024,
      resolveChip: async () => ({ chipId: CHIP_A.chipId, phone: CHIP_A.phone }),
      onEvent: async (event) => void events.push(event),
    });
    const huge = `{"instance": "${CHIP_A.instance}", "junk": "${'x'.repeat(200 * 1024)}`;
    expect((await post(huge, { 'x-warmer-secret': 'wrong' })).status).toBe(401);
    expect((await post(huge, {})).status).toBe(401);
    expect((await post('{"not json', { 'x-warmer-secret': 'own-secret-of-b' })).status).toBe(401);
    // With a right secret the same bodies are judged on what they are.
    expect((await post(huge)).status).toBe(413);
    expect((await post('{"not json', { 'x-warmer-secret': 'own-secret-of-a-0123456' })).status).toBe(400);
    expect(events).toEqual([]);
  });

  it('accepts byEvents path suffixes such as /webhook/messages-upsert', async () => {
    expect((await post(upsert, undefined, '/messages-upsert')).status).toBe(200);
    expect((await post(upsert, undefined, '/a/b')).status).toBe(404);
    expect(events).toHaveLength(1);
  });

  it('a forged secret is 401 and nothing is signalled', async () => {
    for (const forged of ['wrong', `${SECRET}x`, SECRET.slice(0, -1), SECRET.toUpperCase(), '']) {
      expect((await post(upsert, { 'x-warmer-secret': forged })).status).toBe(401);
    }
    expect(events).toEqual([]);
  });

  it('an unauthenticated post (no header, or the secret in another header) is 401', async () => {
    expect((await post(upsert, {})).status).toBe(401);
    expect((await post(upsert, { apikey: SECRET })).status).toBe(401);
    expect(events).toEqual([]);
    expect(logLines.join('\n')).not.toContain(SECRET);
  });

  it('malformed JSON and missing fields are 400', async () => {
    expect((await post('{"event": "messages.upsert", ')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect((await post({ event: 'messages.upsert', data: upsert.data })).status).toBe(400);
    expect((await post({ ...upsert, data: { key: { fromMe: false } } })).status).toBe(400);
    expect(events).toEqual([]);
  });

  it('an oversized body is 413, declared or streamed', async () => {
    const big = JSON.stringify({ ...upsert, data: { ...upsert.data, message: { conversation: 'x'.repeat(20 * 1024) } } });
    expect((await post(big)).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'x-warmer-secret': SECRET },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(events).toEqual([]);
  });

  it('an unknown instance is 404', async () => {
    const res = await post({ ...upsert, instance: 'ghost' });
    expect(res.status).toBe(404);
    expect(events).toEqual([]);
  });

  it('wrong path is 404 and wrong method is 405', async () => {
    expect((await fetch(receiver.url.replace('/webhook', '/other'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(receiver.url, { method: 'GET', headers: { 'x-warmer-secret': SECRET } })).status).toBe(405);
  });

  it('ignored events still answer 200 so the provider does not retry them', async () => {
    const res = await post({ ...upsert, data: { ...upsert.data, key: { ...upsert.data.key, fromMe: true } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 0 });
  });

  it('a failure to signal answers 500 (so the provider retries) and the next post works', async () => {
    failNextEvent = true;
    expect((await post(upsert)).status).toBe(500);
    expect((await post(upsert)).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('refuses to start without a secret', async () => {
    await expect(
      startWebhookReceiver({ port: 0, secret: '', resolveChip: async () => null, onEvent: async () => undefined }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('never crashes on garbage: random bodies, random JSON, broken HTTP — and still answers after', async () => {
    const shapes: unknown[] = [null, 0, -1, 'x', true, [], {}, [upsert], { event: {}, instance: [], data: 'x' }];
    for (let i = 0; i < 60; i++) shapes.push(randomValue(4));
    for (const shape of shapes) {
      const res = await post(JSON.stringify(shape) ?? 'undefined');
      expect([200, 400, 404]).toContain(res.status);
    }
    for (let i = 0; i < 30; i++) {
      const res = await post(randomBytes(1 + ((i * 97) % 2000)));
      expect([200, 400, 404]).toContain(res.status);
    }
    // Events with the right instance but random data.
    for (let i = 0; i < 40; i++) {
      const event = ['messages.upsert', 'messages.update', 'connection.update'][i % 3];
      const res = await post({ event, instance: CHIP_A.instance, data: randomValue(3) });
      expect([200, 400]).toContain(res.status);
    }
    for (const raw of [
      'GARBAGE\r\n\r\n',
      'POST /webhook HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
      '\u0000\u0001\u0002',
      'POST /webhook HTTP/9.9\r\n\r\n',
    ]) {
      await rawExchange(receiver.port, raw);
    }
    expect((await post(upsert)).status).toBe(200);
  });
});

function randomValue(depth: number): unknown {
  const pick = Math.floor(Math.random() * 8);
  if (depth <= 0 || pick < 3) {
    return [null, Math.random() * 1e6, randomBytes(6).toString('base64'), Math.random() > 0.5, '', -0, 'close', 'READ'][pick % 8];
  }
  if (pick < 5) return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomValue(depth - 1));
  const keys = [
    'event',
    'instance',
    'data',
    'key',
    'id',
    'remoteJid',
    'fromMe',
    'status',
    'state',
    'statusReason',
    'keyId',
    randomBytes(3).toString('hex'),
  ];
  const value: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(Math.random() * 5); i++)
    value[keys[Math.floor(Math.random() * keys.length)]!] = randomValue(depth - 1);
  return value;
}

function rawExchange(port: number, payload: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(payload));
    socket.on('data', () => undefined);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(2000, () => socket.destroy());
  });
}
