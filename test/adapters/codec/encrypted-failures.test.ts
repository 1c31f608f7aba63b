/**
 * Failure messages and stack traces go through the payload codec: with the worker's and the client's
 * data converter (src/app/context.ts) an activity failure and the workflow failure it causes are
 * stored as "Encoded failure" with an encrypted payload, on the time-skipping server. The client reads
 * the original message back, the codec endpoint decodes it for the UI with the token, and the history
 * replays against the current workflow bundle.
 */
import { randomBytes } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../../src/adapters/codec/aes-gcm-codec';
import { startCodecEndpoint } from '../../../src/adapters/codec/codec-endpoint';
import { dataConverterFor } from '../../../src/app/context';
import { loadConfig } from '../../../src/config';
import { timeSkippingEnv, workflowBundle } from '../../helpers/temporal';

const PHONE = '5511987654321';
const TOKEN = randomBytes(24).toString('hex');

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('an activity failure naming a phone is stored encrypted; client, codec endpoint and replay read it back', async () => {
  const config = loadConfig({ WARMER_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}` });
  const dataConverter = dataConverterFor(config);
  const client = new Client({ connection: env.connection, dataConverter });
  const taskQueue = `encrypted-failures-${Date.now()}`;
  const workflowId = `evt_encrypted_failure_${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter,
    activities: {
      async deliverEvent(): Promise<{ status: number }> {
        throw ApplicationFailure.nonRetryable(`the receiver refused the chip ${PHONE}`, 'ReceiverRefused');
      },
      async markEventDelivered(): Promise<void> {},
    },
  });
  const error = await worker.runUntil(
    client.workflow
      .execute('EventDeliveryWorkflow', { taskQueue, workflowId, args: [{ eventId: workflowId, urls: ['https://crm.example/h'] }] })
      .catch((err: unknown) => err),
  );

  // The client decodes: the operator's tools see the message.
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  expect(activityFailure!.cause).toMatchObject({ message: `the receiver refused the chip ${PHONE}`, type: 'ReceiverRefused' });
  expect((activityFailure!.cause as Error).stack).toMatch(/encrypted-failures\.test\.ts/);

  // What Temporal stores, read without the codec: no message, no stack, no phone.
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  expect(JSON.stringify(history)).not.toContain(PHONE);
  expect(JSON.stringify(history)).not.toContain('receiver refused');
  const activityFailed = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
  const workflowFailed = history.events!.find((e) => e.workflowExecutionFailedEventAttributes)!.workflowExecutionFailedEventAttributes!
    .failure!;
  for (const failure of [activityFailed, workflowFailed, workflowFailed.cause!]) {
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace ?? '').toBe('');
    expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  }

  // The Temporal UI's path: the codec endpoint decodes the failure's attributes with the token.
  const endpoint = await startCodecEndpoint({
    codec: new AesGcmPayloadCodec(config.codec.keys!),
    token: TOKEN,
    port: 0,
    host: '127.0.0.1',
  });
  try {
    const encoded = activityFailed.encodedAttributes!;
    const res = await fetch(`${endpoint.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(Object.entries(encoded.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
            data: Buffer.from(encoded.data!).toString('base64'),
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const [decoded] = ((await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(decoded!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString())).toEqual({
      message: `the receiver refused the chip ${PHONE}`,
      stack_trace: expect.stringContaining('encrypted-failures.test.ts'),
    });
  } finally {
    await endpoint.close();
  }

  // A history with encoded failures replays against the current bundle.
  await expect(
    Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter }, history, workflowId),
  ).resolves.toBeUndefined();
});
