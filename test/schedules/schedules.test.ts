/**
 * The fleet schedules on a real Temporal dev server (the time-skipping server has no Schedules):
 * syncing twice leaves exactly the two schedules with the current specification, and triggering each
 * runs its workflow over the real activities and an embedded database to the right result.
 */
import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTemporalChipDirectory } from '../../src/client/chip-directory';
import { createActivities } from '../../src/activities';
import { createEmbeddedDb, type Db } from '../../src/adapters/db';
import { createDialogueSource } from '../../src/adapters/dialogue';
import type { Messaging } from '../../src/adapters/messaging/port';
import type { Notification } from '../../src/adapters/notify/port';
import { REAL_DAY_MS, programClock, programDay } from '../../src/domain/clock';
import {
  DAILY_SUMMARY_SCHEDULE_ID,
  PAIR_ROTATION_SCHEDULE_ID,
  SCHEDULE_MEMO,
  SCHEDULE_TIMEZONE,
  scheduleOptions,
  syncSchedules,
  WARMER_SCHEDULES,
} from '../../src/client/schedules';
import { clockAtNoon, devServerEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let db: Db;
const taskQueue = `schedules-${Date.now()}`;

beforeAll(async () => {
  [env, db] = await Promise.all([
    devServerEnv(),
    (async () => {
      const d = createEmbeddedDb();
      await d.migrate();
      return d;
    })(),
  ]);
});
afterAll(async () => {
  await db?.close();
  await env?.teardown();
});

async function scheduleIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) ids.push(s.scheduleId);
  return ids.sort();
}

/** Schedule listing is eventually consistent: wait (bounded) until it shows what is expected. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const single = (value: number | string) => [{ start: value, end: value, step: 1 }];

test('syncing twice leaves exactly the two schedules, at 18:00 daily and Monday 03:00 São Paulo, overlap skip', async () => {
  const client = env.client;
  // A schedule an older version managed (to be removed) and one Warmer does not own (to be left alone).
  await client.schedule.create({
    ...scheduleOptions(WARMER_SCHEDULES[0]!, taskQueue),
    scheduleId: 'warmer-retired-job',
    memo: { ...SCHEDULE_MEMO },
  });
  await client.schedule.create({ ...scheduleOptions(WARMER_SCHEDULES[0]!, taskQueue), scheduleId: 'someone-elses', memo: {} });
  await eventually(
    () => scheduleIds(client),
    (ids) => ids.length === 2,
  );

  const first = await syncSchedules(client, { taskQueue });
  expect(first).toEqual(
    expect.arrayContaining([
      { scheduleId: DAILY_SUMMARY_SCHEDULE_ID, outcome: 'created' },
      { scheduleId: PAIR_ROTATION_SCHEDULE_ID, outcome: 'created' },
      { scheduleId: 'warmer-retired-job', outcome: 'deleted' },
    ]),
  );

  // Someone edits a schedule by hand; the next sync brings it back to the current specification.
  await client.schedule.getHandle(DAILY_SUMMARY_SCHEDULE_ID).update((prev) => ({
    ...prev,
    spec: { calendars: [{ hour: 5, minute: 30 }], timezone: 'UTC' },
    action: { ...prev.action, taskQueue: 'elsewhere' } as never,
  }));
  const second = await syncSchedules(client, { taskQueue });
  expect(second).toEqual([
    { scheduleId: DAILY_SUMMARY_SCHEDULE_ID, outcome: 'updated' },
    { scheduleId: PAIR_ROTATION_SCHEDULE_ID, outcome: 'updated' },
  ]);

  const ids = await eventually(
    () => scheduleIds(client),
    (v) => v.length === 3,
  );
  expect(ids).toEqual([DAILY_SUMMARY_SCHEDULE_ID, PAIR_ROTATION_SCHEDULE_ID, 'someone-elses'].sort());
  await client.schedule.getHandle('someone-elses').delete();
  expect(
    (
      await eventually(
        () => scheduleIds(client),
        (v) => v.length === 2,
      )
    ).filter((id) => id.startsWith('warmer-')),
  ).toEqual([DAILY_SUMMARY_SCHEDULE_ID, PAIR_ROTATION_SCHEDULE_ID]);

  const daily = await client.schedule.getHandle(DAILY_SUMMARY_SCHEDULE_ID).describe();
  expect(daily.spec.timezone).toBe(SCHEDULE_TIMEZONE);
  expect(daily.spec.calendars).toHaveLength(1);
  expect(daily.spec.calendars![0]).toMatchObject({ hour: single(18), minute: single(0), second: single(0) });
  expect(daily.spec.calendars![0]!.dayOfWeek).toEqual([{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }]);
  expect(daily.action).toMatchObject({ type: 'startWorkflow', workflowType: 'DailySummaryWorkflow', taskQueue });
  expect(daily.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

  const rotation = await client.schedule.getHandle(PAIR_ROTATION_SCHEDULE_ID).describe();
  expect(rotation.spec.timezone).toBe('America/Sao_Paulo');
  expect(rotation.spec.calendars).toHaveLength(1);
  expect(rotation.spec.calendars![0]).toMatchObject({ hour: single(3), minute: single(0), dayOfWeek: single('MONDAY') });
  expect(rotation.action).toMatchObject({ type: 'startWorkflow', workflowType: 'PairRotationWorkflow', taskQueue });
  expect(rotation.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

  // The next firings, seen from São Paulo (UTC-3 all year): 18:00 every day; 03:00 on Mondays.
  for (const at of daily.info.nextActionTimes) expect([at.getUTCHours(), at.getUTCMinutes()]).toEqual([21, 0]);
  for (const at of rotation.info.nextActionTimes) expect([at.getUTCDay(), at.getUTCHours()]).toEqual([1, 6]);
});

/** Triggers the schedule now and returns the result of the workflow it started. */
async function triggerAndWait<T>(client: Client, scheduleId: string): Promise<{ result: T; workflowType: string }> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const described = await eventually(
    () => handle.describe(),
    (d) => d.info.recentActions.length > before,
    20_000,
  );
  const action = described.info.recentActions.at(-1)!.action;
  const workflow = client.workflow.getHandle(action.workflow.workflowId, undefined, {
    firstExecutionRunId: action.workflow.firstExecutionRunId,
  });
  const result = (await workflow.result()) as T;
  return { result, workflowType: (await workflow.describe()).type };
}

test('each schedule, triggered, runs its workflow to the right summary on the real activities', async () => {
  // Fleet f: three warming chips with health 60, 70, 80. Fleet g: one paused, one ready, one banned.
  const chip = (n: number, fleetId: string) =>
    db.registerChip({ phone: `5511977700${String(n).padStart(3, '0')}`, instanceName: `sched-${n}`, fleetId });
  const [w1, w2, w3, p, r, b] = await Promise.all([chip(1, 'f'), chip(2, 'f'), chip(3, 'f'), chip(4, 'g'), chip(5, 'g'), chip(6, 'g')]);
  const at = new Date().toISOString();
  await db.recordHealth({ chipId: w1!.id, score: 60, factors: {}, at });
  await db.recordHealth({ chipId: w2!.id, score: 70, factors: {}, at });
  await db.recordHealth({ chipId: w3!.id, score: 80, factors: {}, at });
  await db.setChipStatus({ chipId: p!.id, status: 'paused', reason: 'operator check' });
  await db.setChipStatus({ chipId: r!.id, status: 'ready' });
  await db.setChipStatus({ chipId: b!.id, status: 'banned', reason: 'banned by the provider' });
  await db.openAlert({ chipId: b!.id, severity: 'critical', kind: 'chip_banned', message: 'banned' });
  await db.openAlert({ chipId: null, severity: 'warning', kind: 'test', message: 'fleet-wide' });
  // A warming chip without a conversation for a whole window: counted as stalled by the summary.
  await db.openAlert({ chipId: w1!.id, severity: 'warning', kind: 'chip_stalled', message: 'Chip sem conversas há um dia inteiro' });
  // A warming chip in quarantine (the adaptive ramp): listed with why.
  // The activities' program clock reads noon now, on a 12-hour program day: today's program day is
  // the activity's too, whatever the hour the test runs at (on the real clock it rolls at midnight).
  const clock = clockAtNoon(Date.now(), REAL_DAY_MS / 2);
  const today = programDay(programClock(clock.dayMs, clock.epochMs), Date.now());
  const quarantine = 'alerta recente: 3 falhas de entrega hoje';
  await db.recordStanding({
    chipId: w2!.id,
    rampLevel: 1,
    rampDay: today,
    rampReason: '3 falhas de entrega',
    quarantined: true,
    quarantineReason: quarantine,
    at,
  });

  const notifications: Notification[] = [];
  const unused = () => Promise.reject(new Error('no messaging in this test'));
  const activities = createActivities({
    db,
    messaging: { sendText: unused, sendPresence: unused, markRead: unused, connectionState: unused } as unknown as Messaging,
    notifier: { notify: async (n) => void notifications.push(n) },
    dialogues: createDialogueSource(),
    chips: createTemporalChipDirectory(env.client),
    clock,
  });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  await worker.runUntil(async () => {
    const summary = await triggerAndWait<Record<string, number>>(env.client, DAILY_SUMMARY_SCHEDULE_ID);
    expect(summary.workflowType).toBe('DailySummaryWorkflow');
    expect(summary.result).toEqual({
      warming: 3,
      paused: 1,
      ready: 1,
      banned: 1,
      averageHealth: 70,
      openAlerts: 3,
      stalled: 1,
      groups: 0,
      groupMessages: 0,
    });
    expect(notifications).toEqual([
      {
        kind: 'daily_summary',
        warming: 3,
        paused: 1,
        ready: 1,
        banned: 1,
        averageHealth: 70,
        openAlerts: 3,
        stalled: 1,
        standings: [{ instance: 'sched-2', phone: '5511977700002', capText: null, quarantine }],
        statusPosts: 0,
        groups: 0,
        groupMessages: 0,
      },
    ]);

    const rotation = await triggerAndWait<{ deactivated: number; created: number }>(env.client, PAIR_ROTATION_SCHEDULE_ID);
    expect(rotation.workflowType).toBe('PairRotationWorkflow');
    // The three warming chips of fleet f pair up (3 pairs); fleet g has no warming chip; nothing was old.
    expect(rotation.result).toEqual({ deactivated: 0, created: 3 });
    // A second rotation finds every pair in place.
    expect((await triggerAndWait<{ deactivated: number; created: number }>(env.client, PAIR_ROTATION_SCHEDULE_ID)).result).toEqual({
      deactivated: 0,
      created: 0,
    });
  });
});
