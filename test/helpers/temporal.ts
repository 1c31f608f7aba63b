import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporalExecutable } from '../../src/temporal-binaries';
import { guardSleep } from './guarded-sleep';
import type { ChipRef } from '../../src/activities/types';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS, programClock, realAtMinute } from '../../src/domain/clock';
import type { ChipWarmupInput, WarmupSettings } from '../../src/workflows/api';

export const BUNDLE_PATH = path.resolve(__dirname, '../../.data/test-workflow-bundle.js');

/** The workflow code bundled with webpack (seconds); the global setup writes it once to BUNDLE_PATH. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: require.resolve('../../src/adapters/codec/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  return { code: bundle.code };
}

/**
 * The workflow bundle written once by the global setup (webpack takes seconds; tests share it).
 * `fresh` bundles the code as it is now instead: the benchmarks measure the tree they run in, and a
 * bundle left by an earlier test run may predate it.
 */
export async function workflowBundle(opts: { fresh?: boolean } = {}): Promise<{ code: string }> {
  if (!opts.fresh && existsSync(BUNDLE_PATH)) return { code: readFileSync(BUNDLE_PATH, 'utf8') };
  return bundleWorkflows();
}

/**
 * The São Paulo time of day every time-skipping server starts at unless WARMER_TEST_TIME_OF_DAY says
 * otherwise. Left at the real time, a whole warm-up met different hours depending on when the suite
 * ran, and three failures (a run cut off mid-conversation, a promotion in the middle of a day's sends,
 * a promotion due while the chip was a partner in a conversation) showed only when it ran in Brazil's
 * daytime, as CI's runs did (about 08:20). At 09:30 every chip's window (opening between 08:00 and 09:00,
 * closing between 21:00 and 22:00) is open: conversations start at once, promotions fall due in the
 * middle of the fleet's day and a run cut off at a whole number of days stops inside active hours.
 */
export const DEFAULT_TEST_TIME_OF_DAY = '09:30';

/**
 * Minute of the São Paulo day the time-skipping servers start at (WARMER_TEST_TIME_OF_DAY=HH:MM, default
 * DEFAULT_TEST_TIME_OF_DAY), or null for WARMER_TEST_TIME_OF_DAY=wall: the real time, as before.
 */
export function testMinuteOfDay(env: NodeJS.ProcessEnv = process.env): number | null {
  const at = env.WARMER_TEST_TIME_OF_DAY?.trim() || DEFAULT_TEST_TIME_OF_DAY;
  if (at === 'wall') return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!match) throw new Error(`WARMER_TEST_TIME_OF_DAY must be HH:MM (São Paulo time) or "wall", got "${at}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * A time-skipping server, skipped forward to the next test time of day (testMinuteOfDay) on the
 * default program clock, so what a whole warm-up meets does not depend on the hour the suite runs at.
 * `npm run test:hours` runs the suites that use it at several hours.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const minute = testMinuteOfDay();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: temporalExecutable('testServer') },
  });
  guardSleep(env);
  if (minute === null) return env;
  const now = await env.currentTimeMs();
  const clock = programClock();
  let target = realAtMinute(clock, now, minute);
  if (target <= now) target = realAtMinute(clock, now, minute, 1);
  await env.sleep(target - now);
  return env;
}

/**
 * A fresh time-skipping server for each test of the file, torn down after it. The server holds its
 * clock still while an activity or workflow task waits in a queue, and a task queued just as a test
 * stops its worker (a wake-up at the moment the test ends) is never polled: on a shared server every
 * later sleep would then wait for good. A server starts in about 150 ms.
 */
export function timeSkippingEnvPerTest(use: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  beforeEach(async () => {
    env = await timeSkippingEnv();
    use(env);
  });
  afterEach(async () => {
    await env?.teardown();
    env = undefined;
  });
}

export function testSettings(overrides: Partial<WarmupSettings> = {}): WarmupSettings {
  return {
    dayMs: REAL_DAY_MS,
    epochMs: DEFAULT_PROGRAM_EPOCH_MS,
    paceScale: 1,
    searchAttributes: false,
    maxHistoryEvents: 20_000,
    ...overrides,
  };
}

let counter = 0;
/** A chip of the test fleet with a unique id and a valid Brazilian mobile number. */
export function makeChip(label = 'chip'): ChipRef {
  counter++;
  const suffix = `${Date.now() % 100000}${counter}`.padStart(8, '0').slice(-8);
  return {
    chipId: `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    phone: `55119${suffix}`,
    instanceName: `${label}-inst-${counter}`,
  };
}

export function chipInput(chip: ChipRef, registeredAtMs: number, settings = testSettings()): ChipWarmupInput {
  return { chip, registeredAt: new Date(registeredAtMs).toISOString(), settings };
}

/**
 * Advances the time-skipping server a step at a time until every workflow has closed, then returns
 * their results. (Awaiting several `result()` calls at once stalls the test server's time skipping.)
 */
export async function skipUntilClosed<T>(
  env: { sleep(ms: number | string): Promise<void> },
  handles: { describe(): Promise<{ status: { name: string } }>; result(): Promise<T> }[],
  opts: { stepMs?: number; maxSteps?: number } = {},
): Promise<T[]> {
  const stepMs = opts.stepMs ?? 6 * 60 * 60 * 1000;
  const maxSteps = opts.maxSteps ?? 400;
  for (let step = 0; step < maxSteps; step++) {
    const statuses = await Promise.all(handles.map(async (h) => (await h.describe()).status.name));
    if (statuses.every((s) => s !== 'RUNNING')) break;
    await env.sleep(stepMs);
  }
  const results: T[] = [];
  for (const h of handles) results.push(await h.result());
  return results;
}

/**
 * A real Temporal dev server (Schedules, Updates, search attributes, visibility) for end-to-end
 * tests. The Warmer* search attributes are registered, as `npm run dev` does.
 */
export async function devServerEnv(opts: { logLevel?: 'warn' | 'error' } = {}): Promise<TestWorkflowEnvironment> {
  const { DEV_SERVER_SEARCH_ATTRIBUTE_ARGS } = await import('../../src/app/search-attributes');
  const extraArgs = DEV_SERVER_SEARCH_ATTRIBUTE_ARGS.flatMap((arg) => ['--search-attribute', arg]);
  // The SDK's default is warn; the benchmarks print their own figures and ask for errors only.
  const log = opts.logLevel ? { format: 'pretty', level: opts.logLevel } : undefined;
  let lastError: unknown;
  // The core waits only a few seconds for the server; a cold first start can need a second try.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: { executable: temporalExecutable('cli'), extraArgs, ...(log ? { log } : {}) },
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * A compressed program clock whose program time at `nowMs` is noon in São Paulo (or `minuteOfDay`) of
 * one fixed program date, inside every chip's window: real-time tests (dev server) and benchmarks
 * converse at once whatever the hour they run at. An uncompressed day cannot be moved (program time is
 * real time): it gets the default clock.
 */
export function clockAtNoon(nowMs: number, dayMs: number, minuteOfDay = 12 * 60): { dayMs: number; epochMs: number } {
  const speedup = REAL_DAY_MS / dayMs;
  if (speedup === 1) return { dayMs, epochMs: DEFAULT_PROGRAM_EPOCH_MS };
  // São Paulo is UTC-3.
  const then = Date.UTC(2025, 0, 6, 3, 0, 0) + minuteOfDay * 60_000;
  return { dayMs, epochMs: Math.round((nowMs * speedup - then) / (speedup - 1)) };
}
