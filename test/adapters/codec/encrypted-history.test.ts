/**
 * Payloads encrypted end to end on a real Temporal dev server: a conversation between two chips runs
 * on a worker and a client that share the AES-GCM codec, and the history Temporal stored holds no
 * phone number (nor any dialogue text) in clear. The codec endpoint decodes that history's payloads
 * for a caller with the token, and refuses one without (401) or with a wrong one (403).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../../src/adapters/codec/aes-gcm-codec';
import { type CodecEndpoint, startCodecEndpoint } from '../../../src/adapters/codec/codec-endpoint';
import { conversationWorkflowId, type ConversationResult } from '../../../src/workflows/api';
import { promoteInDb, registerFleet, startIntegrationStack, type IntegrationStack } from '../../helpers/integration';
import { devServerEnv, workflowBundle } from '../../helpers/temporal';

const codec = new AesGcmPayloadCodec([{ id: 'k2', key: randomBytes(32) }]);
const TOKEN = randomBytes(24).toString('hex');
const UI_ORIGIN = 'http://localhost:8233';
const TURNS = [
  { from: 'A' as const, text: 'Oi, tudo bem por aí?' },
  { from: 'B' as const, text: 'Tudo ótimo, e contigo?' },
];

let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
let endpoint: CodecEndpoint;

beforeAll(async () => {
  [env, stack, endpoint] = await Promise.all([
    devServerEnv(),
    startIntegrationStack(),
    startCodecEndpoint({ codec, token: TOKEN, port: 0, corsOrigins: [UI_ORIGIN] }),
  ]);
}, 60_000);

afterAll(async () => {
  await endpoint?.close();
  await stack?.close();
  await env?.teardown();
});

type HistoryPayload = { metadata?: Record<string, string>; data?: string };

/** Every payload of a history in its stored (JSON) form. */
function payloadsOf(value: unknown, found: HistoryPayload[] = []): HistoryPayload[] {
  if (Array.isArray(value)) value.forEach((v) => payloadsOf(v, found));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.payloads)) found.push(...(o.payloads as HistoryPayload[]));
    Object.entries(o).forEach(([k, v]) => k !== 'payloads' && payloadsOf(v, found));
  }
  return found;
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${endpoint.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('a conversation leaves no phone number in clear in Temporal, and the codec endpoint decodes it with the token only', async () => {
  const [a, b] = await registerFleet(stack, 2, 'codec');
  await promoteInDb(stack, [a!, b!]); // out of setup, where the database allows no sends
  const conversationId = randomUUID();
  await stack.db.createConversation({
    id: conversationId,
    chipA: a!.chipId,
    chipB: b!.chipId,
    dialogueId: 'codec-test',
    turns: TURNS.length,
    at: new Date().toISOString(),
  });

  const taskQueue = `codec-${Date.now()}`;
  const client = new Client({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stack.activities,
    dataConverter: { payloadCodecs: [codec] },
  });
  const result = await worker.runUntil(
    client.workflow.execute('ConversationWorkflow', {
      taskQueue,
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId, a, b, dialogue: { id: 'codec-test', turns: TURNS }, paceScale: 0, day: '2026-03-10' }],
    }) as Promise<ConversationResult>,
  );
  expect(result).toMatchObject({ outcome: 'completed', turnsDelivered: 2 });
  expect(stack.sim.control.deliveries()).toHaveLength(2);

  // The history as Temporal stores it, read without the codec.
  const history = await env.client.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory();
  const stored = JSON.stringify(history);
  for (const phone of [a!.phone, b!.phone]) expect(stored).not.toContain(phone);
  for (const turn of TURNS) expect(stored).not.toContain(turn.text);
  const payloads = payloadsOf(history);
  expect(payloads.length).toBeGreaterThanOrEqual(4); // input, activity inputs and results, the result
  const encodings = payloads.map((p) => Buffer.from(p.metadata?.encoding ?? '', 'base64').toString());
  expect(new Set(encodings)).toEqual(new Set([ENCRYPTED_ENCODING]));
  for (const p of payloads) {
    const data = Buffer.from(p.data ?? '', 'base64');
    expect(data.toString('latin1')).not.toMatch(/\d{10,}/);
  }

  // The workflow's input, decoded by the endpoint as the Temporal UI asks for it.
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const input = {
    payloads: started.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  };
  const decoded = await post('/decode', input, { authorization: `Bearer ${TOKEN}`, origin: UI_ORIGIN, 'x-namespace': 'default' });
  expect(decoded.status).toBe(200);
  expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  const body = (await decoded.json()) as { payloads: HistoryPayload[] };
  const decodedPayload = body.payloads[0]!;
  expect(Buffer.from(decodedPayload.metadata!.encoding!, 'base64').toString()).toBe('json/plain');
  expect(JSON.parse(Buffer.from(decodedPayload.data!, 'base64').toString())).toMatchObject({
    conversationId,
    a: { phone: a!.phone },
    b: { phone: b!.phone },
  });
  // The token may also be a path segment, for a UI that sends no header.
  expect((await post(`/${TOKEN}/decode`, input)).status).toBe(200);

  expect((await post('/decode', input)).status).toBe(401);
  expect((await post('/decode', input, { authorization: 'Bearer not-the-token-at-all' })).status).toBe(403);
  expect((await post('/not-the-token-at-all/decode', input)).status).toBe(403);
  const refused = await post('/decode', input, { authorization: `Bearer ${TOKEN.slice(1)}x` });
  expect(refused.status).toBe(403);
  expect(JSON.stringify(await refused.json())).not.toContain(a!.phone);
});

test('the endpoint answers the UI preflight for its origins only', async () => {
  const preflight = await fetch(`${endpoint.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
  const other = await fetch(`${endpoint.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});
