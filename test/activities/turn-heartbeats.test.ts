/**
 * Heartbeats are billed actions: a turn's hold heartbeats only when it is planned long enough for
 * stopping early to matter (a slowed pace), never at the default pace (WARMER_PACE=1). Runs inside the SDK's activity
 * context (MockActivityEnvironment), which reports every heartbeat the activity sends.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { HEARTBEAT_HOLD_MIN_MS, turnLimits } from '../../src/activities/turn-limits';
import { PACING } from '../../src/domain/pacing';
import { metrics } from '../../src/observability/metrics';

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

async function heartbeatsOf(plannedMs: number, heldMs: number): Promise<number> {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 20_000 } as never);
  let beats = 0;
  env.on('heartbeat', () => beats++);
  await env.run(async () => {
    await turnLimits().hold(pause(heldMs), plannedMs);
  });
  return beats;
}

const counted = async () => (await metrics.heartbeatingHolds.get()).values.reduce((s, v) => s + v.value, 0);

test('holds at the seed pace send no heartbeat; a hold planned from the threshold on heartbeats and is counted', async () => {
  // The longest thinking and typing of domain/pacing.ts stay under the threshold: a real-pace turn costs no heartbeat.
  expect(PACING.thinkMs.max).toBeLessThan(HEARTBEAT_HOLD_MIN_MS);
  expect(PACING.typingMs.max).toBeLessThan(HEARTBEAT_HOLD_MIN_MS);

  const before = await counted();
  expect(await heartbeatsOf(PACING.typingMs.max, 1_200)).toBe(0);
  expect(await counted()).toBe(before);

  // A slowed pace's long hold heartbeats at once and then every second while it lasts.
  const beats = await heartbeatsOf(HEARTBEAT_HOLD_MIN_MS, 1_200);
  expect(beats).toBeGreaterThanOrEqual(2);
  expect(await counted()).toBe(before + 1);
});

test('a cancelled activity stops a long hold at once', async () => {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 20_000 } as never);
  const started = Date.now();
  const run = env.run(async () => turnLimits().hold(pause(5_000), HEARTBEAT_HOLD_MIN_MS));
  setTimeout(() => env.cancel(), 100);
  await expect(run).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(2_000);
});
