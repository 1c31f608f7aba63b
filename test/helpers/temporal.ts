import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporalExecutable } from '../../src/temporal-binaries';
import type { ChipRef } from '../../src/activities/types';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS, programClock, realAtMinute } from '../../src/domain/clock';
import type { ChipWarmupInput, WarmupSettings } from '../../src/workflows/api';

export const BUNDLE_PATH = path.resolve(__dirname, '../../.data/test-workflow-bundle.js');

/** The workflow bundle written once by the global setup (webpack takes seconds; tests share it). */
export async function workflowBundle(): Promise<{ code: string }> {
  if (existsSync(BUNDLE_PATH)) return { code: readFileSync(BUNDLE_PATH, 'utf8') };
  const bundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: require.resolve('../../src/adapters/codec/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  return { code: bundle.code };
}

/**
 * A time-skipping server. Its clock starts at the real time, so what a whole warm-up meets (a promotion
 * inside or outside the fleet's window, a run cut off mid-conversation) depends on the hour the suite
 * runs at. WARMER_TEST_TIME_OF_DAY=HH:MM (São Paulo) first skips to the next such time, to reproduce a
 * failure seen at that hour or to try the suite at several.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: temporalExecutable('testServer') },
  });
  const at = process.env.WARMER_TEST_TIME_OF_DAY;
  if (at) {
    const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
    if (!match) {
      await env.teardown();
      throw new Error(`WARMER_TEST_TIME_OF_DAY must be HH:MM (São Paulo time), got "${at}"`);
    }
    const minute = Number(match[1]) * 60 + Number(match[2]);
    const now = await env.currentTimeMs();
    const clock = programClock();
    let target = realAtMinute(clock, now, minute);
    if (target <= now) target = realAtMinute(clock, now, minute, 1);
    await env.sleep(target - now);
  }
  return env;
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
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  const { DEV_SERVER_SEARCH_ATTRIBUTE_ARGS } = await import('../../src/app/search-attributes');
  const extraArgs = DEV_SERVER_SEARCH_ATTRIBUTE_ARGS.flatMap((arg) => ['--search-attribute', arg]);
  let lastError: unknown;
  // The core waits only a few seconds for the server; a cold first start can need a second try.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: { executable: temporalExecutable('cli'), extraArgs },
      });
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * A compressed program clock whose program time at `nowMs` is noon in São Paulo (or `minuteOfDay`),
 * inside every chip's window: real-time tests (dev server) converse at once whatever the hour they run at.
 */
export function clockAtNoon(nowMs: number, dayMs: number, minuteOfDay = 12 * 60): { dayMs: number; epochMs: number } {
  const speedup = REAL_DAY_MS / dayMs;
  // São Paulo is UTC-3.
  const then = Date.UTC(2025, 0, 6, 3, 0, 0) + minuteOfDay * 60_000;
  return { dayMs, epochMs: Math.round((nowMs * speedup - then) / (speedup - 1)) };
}
