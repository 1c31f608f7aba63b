/**
 * 300 connections that never send a byte against each real server (the webhook receiver with its ops
 * routes, the console, the codec endpoint): the server keeps answering its real requests within 2 s
 * meanwhile, and closes every silent socket once the idle limit has passed.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { AesGcmPayloadCodec } from '../../src/adapters/codec/aes-gcm-codec';
import { startCodecEndpoint } from '../../src/adapters/codec/codec-endpoint';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import { HTTP_LIMITS } from '../../src/adapters/http-server';
import { startConsole } from '../../src/console/server';
import { createOpsRoutes } from '../../src/observability/ops-routes';
import type { ChipProviderEvent } from '../../src/webhooks/events';
import { startWebhookReceiver } from '../../src/webhooks/receiver';
import { createScratchDatabase } from '../helpers/db-scratch';
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

const upsert = (id: string) => ({
  event: 'messages.upsert',
  instance: CHIP_A.instance,
  data: {
    key: { remoteJid: '5511990000002@s.whatsapp.net', fromMe: false, id },
    message: { conversation: 'oi' },
    messageTimestamp: 1741608000,
  },
});

it.concurrent('the webhook receiver: webhooks and /healthz answer within 2 s under 300 silent sockets, which are then closed', async () => {
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
  } finally {
    await receiver.close();
  }
});

it.concurrent('the console: /healthz, the fleet page and the API answer within 2 s under 300 silent sockets', async () => {
  const scratch = await createScratchDatabase();
  const db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
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
    await db.close();
    await scratch.drop();
  }
});

it.concurrent('the codec endpoint: decode answers within 2 s under 300 silent sockets', async () => {
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
  } finally {
    await endpoint.close();
  }
});
