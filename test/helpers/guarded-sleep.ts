/**
 * `env.sleep` on the time-skipping server, made safe against two ways it can wait for ever.
 *
 * 1. A leaked lock. The server holds its clock still while a task waits in a queue (an activity or
 *    workflow task scheduled, a query task dispatched) and lets it go when a worker takes the task. A
 *    task queued just as a worker stops, or a query dispatched to a run that is continuing as new,
 *    is never taken: the lock stays, and every later sleep waits in real time. This was seen on a
 *    loaded machine (a test stuck for 480 s; one extra UnlockTimeSkipping let it finish at once).
 *    When the server's clock has moved no faster than the wall clock for STUCK_AFTER_MS and more of
 *    the sleep is left than that, no skip is coming: one extra unlock makes up for the leaked lock,
 *    and a warning says so. A test that holds the clock on purpose (no worker runs what falls due)
 *    sleeps with sleepHoldingTheClock instead.
 * 2. A long call cut off. The SDK's client pings the server every 30 s; the server refuses pings
 *    that often while it has nothing to send ("excess pings") and closes the connection, and the
 *    SDK sends the sleep again, which sleeps the whole duration once more (a 4-day sleep was seen
 *    to skip 12 days). Sleeping in chunks of at most CHUNK_MS (program time) keeps every call short
 *    in real time.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

const CHUNK_MS = 6 * 60 * 60_000;
const STUCK_AFTER_MS = 30_000;
/** More leaked locks than this in one server is a defect to look at, not to paper over. */
const MAX_UNLOCKS = 3;

const unguarded = new WeakMap<TestWorkflowEnvironment, (ms: number) => Promise<void>>();

/** A sleep the test holds in real time on purpose (no worker runs what falls due meanwhile): never unlocked. */
export async function sleepHoldingTheClock(env: TestWorkflowEnvironment, ms: number): Promise<void> {
  await (unguarded.get(env) ?? env.sleep)(ms);
}

export function guardSleep(env: TestWorkflowEnvironment, opts: { stuckAfterMs?: number } = {}): void {
  const stuckAfterMs = opts.stuckAfterMs ?? STUCK_AFTER_MS;
  const plain = env.sleep;
  unguarded.set(env, plain);
  let unlocks = 0;

  const sleepChunk = async (ms: number): Promise<void> => {
    let done = false;
    const sleeping = plain(ms).finally(() => {
      done = true;
    });
    const target = (await env.currentTimeMs()) + ms;
    for (;;) {
      const [realFrom, serverFrom] = [Date.now(), await env.currentTimeMs()];
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([sleeping, new Promise<void>((resolve) => (timer = setTimeout(resolve, stuckAfterMs)))]);
      clearTimeout(timer);
      if (done) return sleeping;
      const serverNow = await env.currentTimeMs();
      const skipped = serverNow - serverFrom - (Date.now() - realFrom);
      if (skipped > 1_000 || target - serverNow <= stuckAfterMs || unlocks >= MAX_UNLOCKS) continue;
      unlocks++;
      console.warn(`time-skipping server: no skip for ${stuckAfterMs / 1000} s of a ${ms} ms sleep; unlocking a leaked lock`);
      await env.connection.testService!.unlockTimeSkipping({});
    }
  };

  Object.assign(env, {
    sleep: async (duration: Duration): Promise<void> => {
      for (let left = msToNumber(duration); left > 0; left -= CHUNK_MS) await sleepChunk(Math.min(left, CHUNK_MS));
    },
  });
}
