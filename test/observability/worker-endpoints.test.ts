/**
 * The worker's /healthz, /readyz and /metrics on the webhook receiver's port, with real parts:
 * PostgreSQL reached through a TCP proxy this test stops and restarts (the database "goes down"),
 * the time-skipping Temporal server, and a real conversation on the simulator whose webhooks come
 * back to the same receiver.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { workerOpsRoutes } from '../../src/app/observability';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import type { Db } from '../../src/adapters/db/port';
import { FLEET_BREAKER_DEFAULT } from '../../src/domain/early-warning';
import type { ConversationInput } from '../../src/workflows/api';
import { createProviderEventBridge, resolveChipByInstance } from '../../src/webhooks/bridge';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { promoteInDb, registerFleet, startIntegrationStack, waitFor, type IntegrationStack } from '../helpers/integration';
import { freePort } from '../helpers/ports';
import { timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'endpoints-secret-0123456789';

/** A TCP proxy to PostgreSQL that can be stopped (connections cut, port closed) and started again. */
function pgProxy(target: { host: string; port: number }) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start(): Promise<void> {
      // Restarted on the same port: one the kernel never hands out, so nothing takes it meanwhile.
      if (port === 0) port = await freePort();
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    },
    async stop(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The value of one series of a Prometheus text exposition (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('worker endpoints', () => {
  let env: TestWorkflowEnvironment;
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    env = await timeSkippingEnv();
    scratch = await createScratchDatabase();
  });
  afterAll(async () => {
    await env?.teardown();
    await scratch?.drop();
  });

  it('/healthz answers; /readyz is 503 while the database is down and 200 once it is back, and while no worker runs', async () => {
    const target = new URL(scratch.url);
    const proxy = pgProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(scratch.url);
    viaProxy.port = String(proxy.port);
    const db: Db = createPostgresDb({ databaseUrl: viaProxy.toString() });
    await db.migrate();
    let workerState: string | undefined = 'RUNNING';
    const receiver = await startWebhookReceiver({
      port: 0,
      host: '127.0.0.1',
      secret: SECRET,
      resolveChip: async () => null,
      onEvent: async () => undefined,
      opsRoutes: workerOpsRoutes({
        db,
        temporal: { connection: env.connection, client: env.client } as never,
        workerState: () => workerState,
        sdkMetricsAddress: null,
      }),
    });
    const base = receiver.url.replace(/\/webhook$/, '');
    try {
      expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: '{"ok":true}' });
      const up = await get(`${base}/readyz`);
      expect(up.status).toBe(200);
      expect(JSON.parse(up.body)).toEqual({ ok: true, checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } } });

      await proxy.stop();
      const down = await get(`${base}/readyz`);
      expect(down.status).toBe(503);
      const downBody = JSON.parse(down.body) as { checks: Record<string, { ok: boolean; error?: string }> };
      expect(downBody.checks.database!.ok).toBe(false);
      // It names the dependency, never its address: the receiver's port is the public one.
      expect(downBody.checks.database!.error).toMatch(/^database (unreachable|did not answer)/);
      expect(down.body).not.toContain(String(proxy.port));
      expect(down.body).not.toContain(target.hostname);
      expect(downBody.checks.temporal!.ok).toBe(true);
      // Liveness does not depend on the database.
      expect((await get(`${base}/healthz`)).status).toBe(200);

      await proxy.start();
      await waitFor(async () => (await get(`${base}/readyz`)).status === 200, '/readyz back to 200', 15_000, 200);

      workerState = 'STOPPED';
      const noWorker = await get(`${base}/readyz`);
      expect(noWorker.status).toBe(503);
      expect(JSON.parse(noWorker.body).checks.worker).toEqual({ ok: false, error: 'worker is stopped' });
      expect((await fetch(`${base}/readyz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await receiver.close();
      await db.close();
      await proxy.stop();
    }
  });

  describe('with a real conversation', () => {
    let stack: IntegrationStack;
    let receiver: WebhookReceiver;
    let worker: Worker;
    let running: Promise<void>;
    const taskQueue = `endpoints-${Date.now()}`;

    beforeAll(async () => {
      stack = await startIntegrationStack({ client: env.client });
      receiver = await startWebhookReceiver({
        port: 0,
        host: '127.0.0.1',
        secret: SECRET,
        resolveChip: resolveChipByInstance(stack.db),
        onEvent: createProviderEventBridge({
          db: stack.db,
          client: env.client,
          notifier: { notify: async () => undefined },
          breaker: FLEET_BREAKER_DEFAULT,
          connectionState: (instance) => stack.messaging.connectionState(instance),
          log: () => undefined,
        }),
        opsRoutes: workerOpsRoutes({
          db: stack.db,
          temporal: { connection: env.connection, client: env.client } as never,
          workerState: () => worker?.getState(),
          sdkMetricsAddress: null,
        }),
      });
      stack.sim.control.setWebhook(receiver.url, { 'x-warmer-secret': SECRET });
      worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: stack.activities,
      });
      running = worker.run();
    });
    afterAll(async () => {
      // No webhook may reach the bridge (and its Temporal client) once the worker and server go away.
      await receiver?.close();
      await stack?.close();
      worker?.shutdown();
      await running?.catch(() => undefined);
    });

    it("/metrics shows Warmer's counters moving: sends, conversations by outcome, webhook events", async () => {
      const base = receiver.url.replace(/\/webhook$/, '');
      const [a, b] = await registerFleet(stack, 2, 'metrics');
      // Out of setup, where the database allows no sends.
      await promoteInDb(stack, [a!, b!]);
      const before = (await get(`${base}/metrics`)).body;
      expect(before).toContain('# TYPE warmer_messages_sent_total counter');

      const conversationId = `metrics-${Date.now()}`;
      const dialogue = {
        id: 'metrics-test',
        turns: [
          { from: 'A' as const, text: 'Oi, tudo bem?' },
          { from: 'B' as const, text: 'Tudo ótimo, e você?' },
          { from: 'A' as const, text: 'Bem também!' },
        ],
      };
      await stack.db.createConversation({
        id: conversationId,
        chipA: a!.chipId,
        chipB: b!.chipId,
        dialogueId: dialogue.id,
        turns: 3,
        at: new Date().toISOString(),
      });
      const input: ConversationInput = { conversationId, a: a!, b: b!, dialogue, paceScale: 0, day: '2025-03-03' };
      const result = await env.client.workflow.execute('ConversationWorkflow', {
        taskQueue,
        workflowId: `conversation/${conversationId}`,
        args: [input],
      });
      expect((result as { outcome: string }).outcome).toBe('completed');

      // The simulator's webhooks for those messages arrive on their own schedule.
      const inbound = 'warmer_webhook_events_total{kind="inbound",outcome="handled"}';
      await waitFor(
        async () => sample((await get(`${base}/metrics`)).body, inbound) >= sample(before, inbound) + 3,
        'inbound webhooks counted',
        15_000,
        100,
      );
      const after = (await get(`${base}/metrics`)).body;
      expect(sample(after, 'warmer_messages_sent_total')).toBe(sample(before, 'warmer_messages_sent_total') + 3);
      expect(sample(after, 'warmer_conversations_total{outcome="completed"}')).toBe(
        sample(before, 'warmer_conversations_total{outcome="completed"}') + 1,
      );
      expect(sample(after, 'warmer_delivery_failures_total{source="send"}')).toBe(
        sample(before, 'warmer_delivery_failures_total{source="send"}'),
      );
    });

    it('counts promotions and pauses by cause from the activities that persist them', async () => {
      const base = receiver.url.replace(/\/webhook$/, '');
      const [chip] = await registerFleet(stack, 1, 'metrics-status');
      const before = (await get(`${base}/metrics`)).body;
      await stack.activities.persistPhaseChange({
        chipId: chip!.chipId,
        from: 'setup',
        to: 'primeiros_contatos',
        health: 50,
        replyRate: 0,
        atMs: Date.now(),
      });
      await stack.activities.persistStatus({ chipId: chip!.chipId, status: 'paused', reason: 'disjuntor da frota' });
      await stack.activities.persistStatus({ chipId: chip!.chipId, status: 'warming', reason: null });
      await stack.activities.persistStatus({ chipId: chip!.chipId, status: 'paused', reason: 'checking' });
      const after = (await get(`${base}/metrics`)).body;
      const delta = (series: string) => sample(after, series) - sample(before, series);
      expect(delta('warmer_promotions_total{to="primeiros_contatos"}')).toBe(1);
      expect(delta('warmer_pauses_total{cause="fleet_breaker"}')).toBe(1);
      expect(delta('warmer_pauses_total{cause="operator"}')).toBe(1);
      expect(delta('warmer_status_changes_total{status="warming"}')).toBe(1);
      expect((await stack.db.getChip(chip!.chipId)).status).toBe('paused');
    });
  });
});
