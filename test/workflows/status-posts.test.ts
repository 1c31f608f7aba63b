/**
 * Status posts on the time-skipping server (patch status-posts): two chips in expansao post at most
 * their phase's daily status limit a day, inside their windows, with the fleet's other chip as the only
 * viewer, riding on wakes they have anyway; the history carries the marker and replays.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { programClock, programDay } from '../../src/domain/clock';
import { PHASE_TABLE } from '../../src/domain/phases';
import { activityWindow, isInsideWindow } from '../../src/domain/window';
import { statusQuery } from '../../src/workflows/api';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { patchIds } from '../helpers/histories';
import { withoutRejectedUpdates } from '../helpers/speculative-updates';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const clock = programClock();

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('chips in expansao post within the daily status limit, in their windows, to each other only', async () => {
  const bundle = await workflowBundle();
  const world = createFakeWorld(env.client);
  const chips = [makeChip('poster'), makeChip('viewer')];
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  const taskQueue = `status-posts-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  const startMs = await env.currentTimeMs();
  const days = 4;
  const { handles, views } = await worker.runUntil(async () => {
    const handles = [];
    for (const chip of chips) {
      handles.push(
        await startChipWarmup(env.client, {
          chip,
          registeredAt: new Date(startMs - 10 * clock.dayMs).toISOString(),
          settings: testSettings(),
          taskQueue,
          state: { phase: 'expansao', phaseStartedAtMs: startMs - clock.dayMs, health: 60 },
        }),
      );
    }
    await env.sleep(days * clock.dayMs);
    const views = [];
    for (const h of handles) views.push(await h.query(statusQuery));
    for (const h of handles) await h.terminate('test over');
    return { handles, views };
  });

  expect(world.statusPosts.length).toBeGreaterThan(0);
  const perDay = new Map<string, number>();
  for (const post of world.statusPosts) {
    const other = chips.find((c) => c.chipId !== post.chipId)!;
    expect(post.viewers).toEqual([`${other.phone}@s.whatsapp.net`]);
    expect(isInsideWindow(activityWindow(post.chipId), clock, post.atMs)).toBe(true);
    const key = `${post.chipId}|${programDay(clock, post.atMs)}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }
  for (const count of perDay.values()) expect(count).toBeLessThanOrEqual(PHASE_TABLE.expansao.dailyStatusCap);
  // The status view counts them.
  const posted = chips.map((c) => world.statusPosts.filter((p) => p.chipId === c.chipId).length);
  expect(views.map((v) => v.statusPostsTotal)).toEqual(posted);
  expect(views[0]!.statusCapToday).toBe(PHASE_TABLE.expansao.dailyStatusCap);

  const poster = posted[0]! > 0 ? 0 : 1;
  const mine = posted[poster]!;
  const handle = handles[poster]!;
  const history = withoutRejectedUpdates(await handle.fetchHistory());
  expect(patchIds(history)).toContain(PATCHES.statusPosts);
  // One activity per post, and nothing else posts.
  const activities = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'postStatus').length;
  expect(activities).toBe(mine);
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId);
}, 180_000);
