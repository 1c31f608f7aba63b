/**
 * The tests' guarded sleep on a real time-skipping server: a lock the server never lets go (as a task
 * queued for a stopped worker leaves) no longer holds a sleep for ever, and a long sleep in chunks
 * still lands exactly where one call would.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalExecutable } from '../../src/temporal-binaries';
import { guardSleep, sleepHoldingTheClock } from '../helpers/guarded-sleep';

const DAY = 24 * 60 * 60_000;
let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: temporalExecutable('testServer') } });
});
afterEach(async () => {
  await env?.teardown();
});

test('a sleep held by a leaked lock is let go once the clock has not skipped for the stuck window', async () => {
  guardSleep(env, { stuckAfterMs: 1_000 });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await env.connection.testService!.lockTimeSkipping({});
    const [from, started] = [await env.currentTimeMs(), Date.now()];
    await env.sleep(2 * DAY);
    expect((await env.currentTimeMs()) - from).toBeGreaterThanOrEqual(2 * DAY);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/leaked lock/);
  } finally {
    warn.mockRestore();
  }
});

test('a long sleep in chunks skips exactly the duration asked, with no unlock when nothing leaked', async () => {
  guardSleep(env, { stuckAfterMs: 1_000 });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const from = await env.currentTimeMs();
    await env.sleep('5 days');
    const skipped = (await env.currentTimeMs()) - from;
    expect(skipped).toBeGreaterThanOrEqual(5 * DAY);
    expect(skipped).toBeLessThan(5 * DAY + 60_000);
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
});

test('a short sleep stuck on a leaked lock is let go too; one held on purpose waits it out in real time', async () => {
  guardSleep(env, { stuckAfterMs: 1_000 });
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await env.connection.testService!.lockTimeSkipping({});
    // As a test with no worker running holds the clock: its 2.5 s pass on the wall clock, no unlock.
    let started = Date.now();
    await sleepHoldingTheClock(env, 2_500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(warn).not.toHaveBeenCalled();
    // A guarded minute under the same lock is unlocked after the stuck window, not waited out.
    started = Date.now();
    await env.sleep('1 minute');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(warn).toHaveBeenCalledTimes(1);
  } finally {
    warn.mockRestore();
  }
});
