/**
 * 300 connections that never send a byte against each real server (the webhook receiver with its ops
 * routes, the console, the codec endpoint): the server keeps answering its real requests within 2 s
 * meanwhile, and closes every silent socket once the idle limit has passed. The receiver and the codec
 * endpoint also refuse a wrong secret on the head of a request, before a body that never comes.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { AesGcmPayloadCodec } from '../../src/adapters/codec/aes-gcm-codec';
import { startCodecEndpoint } from '../../src/adapters/codec/codec-endpoint';
import type { Db } from '../../src/adapters/db/port';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import { HTTP_LIMITS } from '../../src/adapters/http-server';
import { startConsole } from '../../src/console/server';
import { createOpsRoutes } from '../../src/observability/ops-routes';
import type { ChipProviderEvent } from '../../src/webhooks/events';
import { startWebhookReceiver } from '../../src/webhooks/receiver';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { CHIP_A, SECRET } from '../simulator/fixtures';

const SILENT = 300;

/** Opens `count` connections that say nothing; resolves once all are connected. */
async function silentSockets(port: number, count: number): Promise<{ sockets: Socket[]; allClosed: Promise<void> }> {
  const sockets: Socket[] = [];
  const closed: Promise<void>[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('error', () => undefined);
          closed.push(new Promise((done) => socket.once('close', () => done())));
          socket.once('connect', () => resolve());
          // Refused outright (all busy) counts as connected-and-closed.
          socket.once('close', () => resolve());
          sockets.push(socket);
        }),
    ),
  );
  return { sockets, allClosed: Promise.all(closed).then(() => undefined) };
}

/** Each request must answer within 2 s; returns the statuses. */
async function timed(requests: (() => Promise<Response>)[]): Promise<number[]> {
  return Promise.all(
    requests.map(async (request) => {
      const started = Date.now();
      const res = await request();
      await res.arrayBuffer();
      expect(Date.now() - started).toBeLessThan(2_000);
      return res.status;
    }),
  );
}

async function underFlood(port: number, requests: (() => Promise<Response>)[]): Promise<number[]> {
  const flood = await silentSockets(port, SILENT);
  try {
    const statuses = await timed(requests);
    const started = Date.now();
    await Promise.race([
      flood.allClosed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('silent sockets left open')), 8_000)),
    ]);
    expect(Date.now() - started).toBeLessThan(HTTP_LIMITS.idleMs + 2_000);
    return statuses;
  } finally {
    for (const s of flood.sockets) s.destroy();
  }
}

/** Sends only the head of a POST announcing a huge body, and returns the status line of the answer. */
function headOnly(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const lines = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'content-length': '50000000', ...headers });
      socket.write(`POST ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
    let data = '';
    const timer = setTimeout(() => reject(new Error(`no answer before the body: ${data}`)), 2_000);
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}

const upsert = (id: string) => ({
  event: 'messages.upsert',
  instance: CHIP_A.instance,
  data: {
    key: { remoteJid: '5511990000002@s.whatsapp.net', fromMe: false, id },
    message: { conversation: 'oi' },
    messageTimestamp: 1741608000,
  },
});

it('the webhook receiver: webhooks and /healthz answer within 2 s under 300 silent sockets, which are then closed; a wrong secret is refused before the body', async () => {
  const events: ChipProviderEvent[] = [];
  const receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SECRET,
    resolveChip: async (instance) => (instance === CHIP_A.instance ? { chipId: CHIP_A.chipId, phone: CHIP_A.phone } : null),
    onEvent: async (event) => void events.push(event),
    opsRoutes: createOpsRoutes({ checks: { database: () => undefined } }),
  });
  const base = receiver.url.replace(/\/webhook$/, '');
  try {
    const post = (id: string) => () =>
      fetch(receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-warmer-secret': SECRET },
        body: JSON.stringify(upsert(id)),
      });
    const statuses = await underFlood(receiver.port, [
      post('FLOOD-1'),
      () => fetch(`${base}/healthz`),
      post('FLOOD-2'),
      () => fetch(`${base}/readyz`),
      post('FLOOD-3'),
    ]);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(events.map((e) => e.messageId).sort()).toEqual(['FLOOD-1', 'FLOOD-2', 'FLOOD-3']);
    // The secret is checked before the body: a 50 MB body that never comes is refused at once.
    expect(await headOnly(receiver.port, '/webhook', { 'x-warmer-secret': 'wrong' })).toBe('HTTP/1.1 401 Unauthorized');
  } finally {
    await receiver.close();
  }
});

describe('the console', () => {
  let scratch: ScratchDatabase;
  let db: Db;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = createPostgresDb({ databaseUrl: scratch.url });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  it('/healthz, the fleet page and the API answer within 2 s under 300 silent sockets', async () => {
    const server = await startConsole({
      db,
      temporal: async () => Promise.reject(new Error('no Temporal in this test')),
      settings: { dayMs: 86_400_000, epochMs: 0 },
      temporalUiUrl: 'http://localhost:8233',
      namespace: 'default',
      port: 0,
    });
    try {
      const statuses = await underFlood(server.port, [
        () => fetch(`${server.url}/healthz`),
        () => fetch(`${server.url}/?refresh=0`),
        () => fetch(`${server.url}/api/fleet`),
      ]);
      expect(statuses).toEqual([200, 200, 200]);
    } finally {
      await server.close();
    }
  });
});

it('the codec endpoint: decode answers within 2 s under 300 silent sockets; a wrong token is refused before the body', async () => {
  const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
  const token = randomBytes(16).toString('hex');
  const endpoint = await startCodecEndpoint({ codec, token, port: 0 });
  const [encoded] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"oi"') }]);
  const body = JSON.stringify({
    payloads: [
      {
        metadata: Object.fromEntries(Object.entries(encoded!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
        data: Buffer.from(encoded!.data!).toString('base64'),
      },
    ],
  });
  try {
    const decode = () =>
      fetch(`${endpoint.url}/decode`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const statuses = await underFlood(endpoint.port, [decode, decode]);
    expect(statuses).toEqual([200, 200]);
    const res = (await (await decode()).json()) as { payloads: { data: string }[] };
    expect(Buffer.from(res.payloads[0]!.data, 'base64').toString()).toBe('"oi"');
    expect(await headOnly(endpoint.port, '/codec/decode', { authorization: 'Bearer wrong-token-0123456789' })).toBe(
      'HTTP/1.1 403 Forbidden',
    );
  } finally {
    await endpoint.close();
  }
});
