/**
 * Outbound events end to end against a local receiver: the activities that record a fact record its
 * event in the outbox (embedded database) and start EventDeliveryWorkflow on the time-skipping
 * server, whose activity POSTs the signed event over real HTTP.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createEventActivities, type EventsDeps } from '../../src/activities/events';
import type { Db } from '../../src/adapters/db/port';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import { verifySignature } from '../../src/adapters/events/signature';
import { registry } from '../../src/observability/metrics';
import { pauseChip, resumeChip, retireChip, startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { startEventDelivery } from '../../src/client/event-delivery';
import { aChip } from '../helpers/db-fixtures';
import { freePort } from '../helpers/ports';
import { testSettings, timeSkippingEnvPerTest, workflowBundle } from '../helpers/temporal';

const SECRET = 'test-events-secret-0123456789';
const HOUR = 3_600_000;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** A receiver on a free port; `answers` are the statuses of the next posts (then 200). */
class Receiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  /** Where a 3xx answer points. */
  redirectTo: string | undefined;
  private server = this.create();
  port = 0;

  private create() {
    return http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const status = this.answers.shift() ?? 200;
        this.received.push({ headers: req.headers, body, status });
        const location = status >= 300 && status < 400 && this.redirectTo ? { location: this.redirectTo } : {};
        res.writeHead(status, location).end(status < 300 ? 'ok' : 'down');
      });
    });
  }
  async start(port = 0): Promise<string> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/warmer?k=1`;
  }
  /** Down: nothing listens on its port (connection refused), until start(port) again. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.create();
  }
  ids(): string[] {
    return this.received.map((r) => String(r.headers['x-warmer-event-id']));
  }
}

let env: TestWorkflowEnvironment;
let bundle: { code: string };
let db: Db;
let sql: (text: string, params?: unknown[]) => Promise<unknown>;
let closeDb: () => Promise<void>;
beforeAll(async () => {
  bundle = await workflowBundle();
  const client = openEmbeddedSql();
  db = createEmbeddedDb({ client });
  closeDb = () => client.close();
  sql = (text, params) => client.query(text, params);
  await db.migrate();
});
afterAll(async () => {
  await closeDb?.();
});
// A server per test: a task left queued when one test's worker stops would hold the next one's clock.
timeSkippingEnvPerTest((created) => (env = created));

let queueCounter = 0;
/** The chip activities and the event activities on one worker; `start` may be replaced to play Temporal down. */
function stack(urls: string[], opts: { startDelivery?: EventsDeps['startDelivery']; allowPrivate?: boolean } = {}) {
  const taskQueue = `events-${++queueCounter}`;
  const started: string[] = [];
  const events: EventsDeps = {
    urls,
    secret: SECRET,
    timeoutMs: 2_000,
    // The receivers of these tests listen on loopback (WARMER_EVENTS_ALLOW_PRIVATE=1).
    allowPrivate: opts.allowPrivate ?? true,
    startDelivery:
      opts.startDelivery ??
      (async (input) => {
        started.push(`${input.eventId}:${await startEventDelivery(env.client, taskQueue, input)}`);
      }),
  };
  const activities = createActivities({
    db,
    messaging: {} as never,
    notifier: { notify: async () => undefined },
    dialogues: {} as never,
    chips: { reserve: async () => ({ accepted: false, refusal: { reason: 'no_warmup' } }) },
    clock: { dayMs: 86_400_000, epochMs: 0 },
    events,
  });
  const worker = () =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: { ...activities, ...createEventActivities(db, events) },
    });
  return { activities, worker, started, events, taskQueue };
}

const result = (eventId: string) => env.client.workflow.getHandle(eventId).result();

async function failedCount(type: string): Promise<number> {
  const series = `warmer_outbound_events_total{type="${type}",outcome="failed"} `;
  const line = (await registry.getSingleMetricAsString('warmer_outbound_events_total')).split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.slice(series.length)) : 0;
}

test('a promotion to operacao is delivered as chip.promoted and chip.ready, signed, with the documented schema', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const chip = await aChip(db, { fleetId: 'loja-sp', instanceName: 'loja-sp-07' });
  const { activities, worker, started } = stack([url]);
  const steps = [
    ['setup', 'primeiros_contatos'],
    ['primeiros_contatos', 'expansao'],
    ['expansao', 'pre_operacao'],
  ] as const;
  for (const [from, to] of steps)
    await db.promoteChip({ chipId: chip.id, from, to, health: 70, replyRate: 0.3, at: new Date().toISOString() });
  await (
    await worker()
  ).runUntil(async () => {
    await activities.persistPhaseChange({
      chipId: chip.id,
      from: 'pre_operacao',
      to: 'operacao',
      health: 82,
      replyRate: 0.41,
      atMs: Date.parse('2026-03-01T12:00:00Z'),
    });
    const ids = started.map((s) => s.split(':')[0]!);
    expect(ids).toHaveLength(2);
    for (const id of ids) await result(id);
  });
  await receiver.stop();

  expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(expect.arrayContaining(['chip.promoted', 'chip.ready']));
  const ready = receiver.received.find((r) => JSON.parse(r.body).type === 'chip.ready')!;
  const payload = JSON.parse(ready.body);
  expect(Object.keys(payload)).toEqual(['id', 'type', 'occurredAt', 'chip', 'data']);
  expect(payload).toEqual({
    id: ready.headers['x-warmer-event-id'],
    type: 'chip.ready',
    occurredAt: '2026-03-01T12:00:00.000Z',
    chip: {
      id: chip.id,
      instance: 'loja-sp-07',
      phone: `***${chip.phone.slice(-4)}`,
      fleetId: 'loja-sp',
      phase: 'operacao',
      status: 'ready',
    },
    data: { health: 82, replyRate: 0.41 },
  });
  expect(ready.body).not.toContain(chip.phone);
  expect(ready.headers['content-type']).toBe('application/json');
  expect(ready.headers['x-warmer-event-type']).toBe('chip.ready');

  // The receiver's check: the raw body and the header, with the shared secret.
  const header = String(ready.headers['x-warmer-signature']);
  expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(verifySignature(SECRET, header, ready.body)).toMatchObject({ ok: true });
  expect(verifySignature(SECRET, header, ready.body.replace('82', '83'))).toEqual({ ok: false, reason: 'signature does not match' });
  expect(verifySignature('another-secret-0123456789', header, ready.body)).toMatchObject({ ok: false });
  expect(verifySignature(SECRET, header, ready.body, { nowMs: Date.now() + 3_600_000 })).toMatchObject({
    ok: false,
    reason: expect.stringMatching(/away from now/),
  });

  for (const r of receiver.received)
    expect(await db.getEvent(String(r.headers['x-warmer-event-id']))).toMatchObject({ deliveredAt: expect.any(String), attempts: 0 });
});

test('a 5xx is retried with backoff: the retry carries the same event id and body, and the event is delivered once', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  receiver.answers = [503, 500];
  const chip = await aChip(db);
  const { activities, worker } = stack([url]);
  const mock = new MockActivityEnvironment({
    activityId: '12',
    workflowExecution: { workflowId: `chip-warmup/${chip.id}`, runId: 'run-1' },
  } as never);
  await (
    await worker()
  ).runUntil(async () => {
    await mock.run(activities.persistStatus, {
      chipId: chip.id,
      status: 'paused' as const,
      reason: 'operador: revisão',
      pausedBy: 'operator' as const,
    });
    const [event] = await db.pendingEvents({ type: 'chip.paused' });
    expect(event).toBeDefined();
    await result(event!.id);
  });
  await receiver.stop();

  expect(receiver.received.map((r) => r.status)).toEqual([503, 500, 200]);
  expect(new Set(receiver.ids()).size).toBe(1);
  expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  const id = receiver.ids()[0]!;
  expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
    type: 'chip.paused',
    data: { reason: 'operador: revisão', pausedBy: 'operator' },
    chip: { status: 'paused' },
  });
  expect(await db.getEvent(id)).toMatchObject({ attempts: 2, deliveredAt: expect.any(String), lastError: null });
  const counted = (await registry.getSingleMetricAsString('warmer_outbound_events_total')).split('\n');
  expect(counted).toContain('warmer_outbound_events_total{type="chip.paused",outcome="failed"} 2');
  expect(counted).toContain('warmer_outbound_events_total{type="chip.paused",outcome="delivered"} 1');
});

test('the same fact recorded twice (a retried activity) is one event with one id, delivered to every receiver', async () => {
  const [first, second] = [new Receiver(), new Receiver()];
  const urls = [await first.start(), await second.start()];
  second.answers = [502];
  const chip = await aChip(db);
  const { activities, worker, started } = stack(urls);
  const mock = new MockActivityEnvironment({
    activityId: '3',
    workflowExecution: { workflowId: `chip-warmup/${chip.id}`, runId: 'run-7' },
  } as never);
  await (
    await worker()
  ).runUntil(async () => {
    const promotion = {
      chipId: chip.id,
      from: 'setup' as const,
      to: 'primeiros_contatos' as const,
      health: 50,
      replyRate: 0,
      atMs: Date.parse('2026-03-02T10:00:00Z'),
    };
    await activities.persistPhaseChange(promotion);
    await activities.persistPhaseChange(promotion);
    // A status change retried inside the same activity execution is the same fact too.
    await mock.run(activities.persistStatus, { chipId: chip.id, status: 'banned' as const, reason: 'banido pelo provedor' });
    await mock.run(activities.persistStatus, { chipId: chip.id, status: 'banned' as const, reason: 'banido pelo provedor' });
    expect(started.map((s) => s.split(':')[1])).toEqual(['started', 'already_started', 'started', 'already_started']);
    for (const id of new Set(started.map((s) => s.split(':')[0]!))) await result(id);
  });
  await Promise.all([first.stop(), second.stop()]);

  const types = (r: Receiver) =>
    r.received
      .filter((x) => x.status === 200)
      .map((x) => JSON.parse(x.body).type)
      .sort();
  expect(types(first)).toEqual(['chip.banned', 'chip.promoted']);
  expect(types(second)).toEqual(['chip.banned', 'chip.promoted']);
  expect(new Set(first.ids()).size).toBe(2);
  // The receiver that failed once saw one event twice: de-duplicated by its id.
  expect(second.received).toHaveLength(3);
  expect(new Set(second.ids())).toEqual(new Set(first.ids()));
  const [row] = await db.pendingEvents({ since: new Date(0).toISOString() }).then((p) => p.filter((e) => e.chipId === chip.id));
  expect(row).toBeUndefined();
});

test('no event is lost while the receiver is down for a whole program day, and the chip is never held up', async () => {
  const receiver = new Receiver();
  // A port the kernel never hands out, so nothing else takes it while the receiver is down.
  const port = await freePort();
  const url = await receiver.start(port);
  await receiver.stop(); // down: connection refused
  const chip = await aChip(db);
  const { activities, worker } = stack([url]);
  await (
    await worker()
  ).runUntil(async () => {
    const t0 = Date.now();
    await activities.persistStatus({ chipId: chip.id, status: 'paused', reason: 'alerta precoce', pausedBy: 'early_warning' });
    // The chip's activity returned at once: delivery is the delivery workflow's business.
    expect(Date.now() - t0).toBeLessThan(5_000);
    const [event] = await db.pendingEvents({ type: 'chip.paused' }).then((p) => p.filter((e) => e.chipId === chip.id));
    const startMs = await env.currentTimeMs();
    await env.sleep(24 * HOUR);
    expect((await env.currentTimeMs()) - startMs).toBeGreaterThanOrEqual(24 * HOUR);
    const down = await db.getEvent(event!.id);
    expect(down).toMatchObject({ deliveredAt: null, lastError: expect.stringMatching(/no answer/) });
    // Backoff doubles up to 10 minutes: about 6 retries an hour once it is there.
    expect(down!.attempts).toBeGreaterThan(100);
    expect(receiver.received).toEqual([]);

    await receiver.start(port);
    await result(event!.id);
    expect(receiver.ids()).toEqual([event!.id]);
    expect(await db.getEvent(event!.id)).toMatchObject({ deliveredAt: expect.any(String) });
  });
  await receiver.stop();
});

test('with Temporal unreachable the fact and its event are still recorded; the daily sweep delivers it', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const chip = await aChip(db);
  // Unreachable: the start never answers. The chip's activity gives up on it after a few seconds.
  const down = stack([url], { startDelivery: () => new Promise(() => undefined) });
  const t0 = Date.now();
  await down.activities.persistStatus({ chipId: chip.id, status: 'warming', pausedBy: null });
  expect(Date.now() - t0).toBeLessThan(8_000);
  expect((await db.getChip(chip.id)).status).toBe('warming');
  const [event] = await db.pendingEvents({ type: 'chip.resumed' }).then((p) => p.filter((e) => e.chipId === chip.id));
  expect(event).toBeDefined();

  // The sweep leaves events younger than a minute to the activity that recorded them: age this one.
  await sql(`update warmup_events set created_at = created_at - interval '2 minutes' where id = $1`, [event!.id]);
  const up = stack([url]);
  await (
    await up.worker()
  ).runUntil(async () => {
    await up.activities.sendDailySummary();
    expect(up.started).toContain(`${event!.id}:started`);
    await result(event!.id);
  });
  await receiver.stop();
  expect(receiver.ids()).toEqual([event!.id]);
  expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
    type: 'chip.resumed',
    chip: { id: chip.id, status: 'warming' },
    data: {},
  });
});

test("a real chip workflow's pauses and resume reach the receiver: each its own event, each once", async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const chip = await aChip(db, { instanceName: 'real-wf-01' });
  const { worker, taskQueue } = stack([url]);
  const delivered = async (count: number) => {
    for (let i = 0; i < 200 && receiver.received.length < count; i++) await new Promise((r) => setTimeout(r, 50));
    expect(receiver.received).toHaveLength(count);
  };
  await (
    await worker()
  ).runUntil(async () => {
    const ref = { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName };
    await startChipWarmup(env.client, {
      chip: ref,
      registeredAt: new Date(await env.currentTimeMs()).toISOString(),
      settings: testSettings(),
      taskQueue,
    });
    await pauseChip(env.client, chip.id, 'revisão do número');
    await delivered(1);
    await resumeChip(env.client, chip.id);
    await delivered(2);
    await pauseChip(env.client, chip.id, 'de novo');
    await delivered(3);
    await retireChip(env.client, chip.id, 'fim do teste');
    // Ended before the worker stops: a chip workflow left waiting for a worker would hold the test server's clock.
    await env.client.workflow.getHandle(chipWorkflowId(chip.id)).result();
  });
  await receiver.stop();
  const bodies = receiver.received.map((r) => JSON.parse(r.body));
  expect(bodies.map((b) => [b.type, b.data])).toEqual([
    ['chip.paused', { reason: 'revisão do número', pausedBy: 'operator' }],
    ['chip.resumed', {}],
    ['chip.paused', { reason: 'de novo', pausedBy: 'operator' }],
  ]);
  // Two pauses of the same chip are two facts: two ids (each from its own activity execution).
  expect(new Set(receiver.ids()).size).toBe(3);
  for (const r of receiver.received)
    expect(verifySignature(SECRET, String(r.headers['x-warmer-signature']), r.body)).toMatchObject({ ok: true });
});

test('a stall and a fleet breaker (opened by the webhook bridge, outside any activity) reach the receiver', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const chip = await aChip(db, { fleetId: 'frota-b', instanceName: 'frota-b-01' });
  const { activities, worker } = stack([url]);
  const mock = new MockActivityEnvironment({
    activityId: '9',
    workflowExecution: { workflowId: `chip-warmup/${chip.id}`, runId: 'run-b' },
  } as never);
  const delivered = async (count: number) => {
    for (let i = 0; i < 200 && receiver.received.filter((r) => r.status === 200).length < count; i++)
      await new Promise((r) => setTimeout(r, 50));
  };
  await (
    await worker()
  ).runUntil(async () => {
    await activities.openAlert({
      chipId: chip.id,
      severity: 'warning',
      kind: 'chip_stalled',
      message: 'sem parceiros disponíveis',
      key: `stall:${chip.id}:1`,
    });
    await delivered(1);
    // What the bridge does when the breaker trips: the alert, then a pause signal to every warming chip.
    await db.openAlert({
      chipId: chip.id,
      severity: 'critical',
      kind: 'fleet_breaker',
      message: "Frota 'frota-b': 2 chips banidos",
      key: 'fleet_breaker:frota-b:1',
    });
    await mock.run(activities.persistStatus, {
      chipId: chip.id,
      status: 'paused' as const,
      reason: 'disjuntor da frota',
      pausedBy: 'fleet_breaker' as const,
    });
    await delivered(3);
  });
  await receiver.stop();
  const bodies = receiver.received.map((r) => JSON.parse(r.body));
  expect(bodies.map((b) => b.type).sort()).toEqual(['chip.paused', 'chip.stalled', 'fleet.breaker']);
  expect(bodies.find((b) => b.type === 'chip.stalled')).toMatchObject({
    chip: { id: chip.id },
    data: { message: 'sem parceiros disponíveis', severity: 'warning' },
  });
  expect(bodies.find((b) => b.type === 'fleet.breaker')).toMatchObject({
    chip: { id: chip.id, fleetId: 'frota-b' },
    data: { fleetId: 'frota-b', severity: 'critical' },
  });
  expect(bodies.find((b) => b.type === 'chip.paused')).toMatchObject({ data: { pausedBy: 'fleet_breaker' } });
});

test('a delivery that ended undelivered (its 3 days of retries ran out) is started again by the sweep once the receiver is back', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const port = receiver.port;
  await receiver.stop();
  const chip = await aChip(db);
  const { activities, worker, events } = stack([url]);
  const { createEventPublisher } = await import('../../src/activities/events');
  await (
    await worker()
  ).runUntil(async () => {
    await activities.persistPhaseChange({
      chipId: chip.id,
      from: 'setup',
      to: 'primeiros_contatos',
      health: 55,
      replyRate: 0.2,
      atMs: Date.now(),
    });
    const [event] = await db.pendingEvents({ type: 'chip.promoted' }).then((p) => p.filter((e) => e.chipId === chip.id));
    const handle = env.client.workflow.getHandle(event!.id);
    // The first attempt meets a closed port; then the run ends undelivered. Ending it here stands in for
    // the 3 days of retries running out (a failed or terminated run is what the id reuse policy lets restart).
    const attempts = async () =>
      ((await sql('select attempts from warmup_events where id = $1', [event!.id])) as { attempts: number }[])[0]!.attempts;
    for (let i = 0; i < 200 && (await attempts()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await attempts()).toBeGreaterThanOrEqual(1);
    await handle.terminate('retries ran out (stand-in)');
    expect(await db.getEvent(event!.id)).toMatchObject({ deliveredAt: null });
    expect(receiver.received).toHaveLength(0);

    await receiver.start(port);
    // The daily summary's sweep, a few minutes after the event was recorded.
    const swept = await createEventPublisher(db, events).sweep(Date.now() + 5 * 60_000);
    expect(swept.started).toBeGreaterThanOrEqual(1);
    await result(event!.id);
    // Exactly once. The sweep may start the earlier tests' undelivered events too (their servers are gone).
    expect(receiver.ids().filter((id) => id === event!.id)).toEqual([event!.id]);
    expect(await db.getEvent(event!.id)).toMatchObject({ deliveredAt: expect.any(String) });
  });
  await receiver.stop();
});

test('a redirect is a failed delivery, retried like a 5xx and never followed: the signed body reaches no other host', async () => {
  const [receiver, elsewhere] = [new Receiver(), new Receiver()];
  const url = await receiver.start();
  // What an attacker's receiver answers: 307 to a loopback service, which would get the signed POST again.
  receiver.redirectTo = `${await elsewhere.start()}&redirected=1`;
  receiver.answers = [307, 308];
  const failedBefore = await failedCount('chip.promoted');
  const chip = await aChip(db);
  const { activities, worker, started } = stack([url]);
  await (
    await worker()
  ).runUntil(async () => {
    await activities.persistPhaseChange({
      chipId: chip.id,
      from: 'setup',
      to: 'primeiros_contatos',
      health: 50,
      replyRate: 0.1,
      atMs: Date.parse('2026-03-03T10:00:00Z'),
    });
    await result(started[0]!.split(':')[0]!);
  });
  await Promise.all([receiver.stop(), elsewhere.stop()]);
  expect(receiver.received.map((r) => r.status)).toEqual([307, 308, 200]);
  expect(elsewhere.received).toEqual([]);
  const event = await db.getEvent(receiver.ids()[0]!);
  expect(event).toMatchObject({ attempts: 2, deliveredAt: expect.any(String) });
  expect((await failedCount('chip.promoted')) - failedBefore).toBe(2);
});

test('a receiver on a loopback address is refused unless private receivers are allowed: nothing is sent, the outbox says why', async () => {
  const receiver = new Receiver();
  const url = await receiver.start();
  const chip = await aChip(db);
  const { activities, worker, started } = stack([url], { allowPrivate: false });
  await (
    await worker()
  ).runUntil(async () => {
    await activities.persistStatus({ chipId: chip.id, status: 'paused', reason: 'revisão', pausedBy: 'operator' });
    const id = started[0]!.split(':')[0]!;
    for (let i = 0; i < 200 && !(await db.getEvent(id))?.lastError; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await db.getEvent(id)).toMatchObject({
      deliveredAt: null,
      attempts: expect.any(Number),
      lastError: expect.stringMatching(/resolves to 127\.0\.0\.1, a loopback, private or link-local address: refused/),
    });
    // Retried like any failure (an operator may allow private receivers and restart): ended here.
    await env.client.workflow.getHandle(id).terminate('test over');
  });
  await receiver.stop();
  expect(receiver.received).toEqual([]);
});
