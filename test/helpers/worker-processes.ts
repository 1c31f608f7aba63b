/**
 * Worker processes for the multi-worker test and the capacity benches: spawn real Warmer workers
 * (test/helpers/worker-child.ts) on one task queue, read each one's CPU time and RSS from /proc,
 * scrape its Temporal SDK Prometheus exporter, and tell from a workflow history which worker ran
 * which task (the SDK's default identity is `<pid>@<host>`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { initialChipState, type ChipState } from '../../src/domain/chip-state';
import { programClock } from '../../src/domain/clock';
import type { Phase } from '../../src/domain/phases';

const WORKER_CHILD = path.resolve(__dirname, 'worker-child.ts');
const PROJECT_ROOT = path.resolve(__dirname, '../..');

export interface WorkerEnvOptions {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  simulatorUrl: string;
  apiKey: string;
  dayMs: number;
  epochMs: number;
  bundlePath: string;
  extra?: Record<string, string>;
}

/** The environment of a production-like worker on a compressed program clock. */
export function workerEnv(o: WorkerEnvOptions): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    WARMER_TASK_QUEUE: o.taskQueue,
    DATABASE_URL: o.databaseUrl,
    SUPABASE_URL: '',
    SUPABASE_SERVICE_ROLE_KEY: '',
    SLACK_WEBHOOK_URL: '',
    LLM_BASE_URL: '',
    EVOLUTION_API_URL: o.simulatorUrl,
    EVOLUTION_API_KEY: o.apiKey,
    WARMER_DAY: `${o.dayMs}ms`,
    WARMER_EPOCH: new Date(o.epochMs).toISOString(),
    WARMER_SEARCH_ATTRIBUTES: 'false',
    WARMER_TEST_BUNDLE: o.bundlePath,
    ...o.extra,
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The SDK worker identity, as it appears in workflow histories. */
  identity: string;
  /** host:port of the worker's SDK Prometheus exporter. */
  metricsAddress: string;
  output: string[];
  exited: Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export function spawnWorkerProcess(env: Record<string, string>, label = 'worker'): Promise<WorkerProcess> {
  const output: string[] = [];
  const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), WORKER_CHILD], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const ready = /READY pid=(\d+) identity=(\S+) metrics=(\S*)/.exec(output.join(''));
      if (ready)
        resolve({
          child,
          pid: Number(ready[1]),
          identity: ready[2]!,
          metricsAddress: ready[3]!,
          output,
          exited,
          async kill() {
            if (alive()) child.kill('SIGKILL');
            await exited;
          },
          async stop(graceMs = 15_000) {
            if (!alive()) return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(timer);
          },
        });
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(() => reject(new Error(`${label} exited before it was ready:\n${output.join('').slice(-4000)}`)));
  });
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux)

/** CPU seconds (user + system, all threads) a process has used so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100)
}

/** Resident set size of a process, in bytes. */
export function processRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

// ---------------------------------------------------------------------------------------------
// Prometheus text

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

export async function scrapeMetrics(address: string): Promise<Sample[]> {
  const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`metrics at ${address} answered ${res.status}`);
  return parsePrometheus(await res.text());
}

/** Sum of every series of a metric (any label set). */
export function metricSum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Cumulative histogram buckets (le -> count) of a metric, summed over label sets matching `labels`. */
export function histogramBuckets(samples: Sample[], name: string, labels: Record<string, string> = {}): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    if (!Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/** Bucket-wise difference (after - before) of two cumulative histograms. */
export function histogramDelta(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, n] of after) out.set(le, n - (before.get(le) ?? 0));
  return out;
}

/** The upper bound of the bucket holding quantile q (0-1): a histogram only knows that much. */
export function histogramQuantile(buckets: Map<number, number>, q: number): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  for (const [le, n] of sorted) if (n >= q * total) return le;
  return Infinity;
}

// ---------------------------------------------------------------------------------------------
// Chips and histories

/** A chip state in `phase` since `nowMs`, its earlier phases behind it: a prepared start for tests and benches. */
export function preparedState(phase: Phase, nowMs: number, dayMs: number, epochMs: number): Partial<ChipState> {
  const base = initialChipState(nowMs - 14 * dayMs, programClock(dayMs, epochMs), nowMs);
  return {
    ...base,
    phase,
    phaseStartedAtMs: nowMs,
    registeredAtMs: nowMs - 14 * dayMs,
    sentTotal: 200,
    receivedTotal: 200,
    repliedTotal: 100,
    twoWayConversations: 40,
    lastConversationAtMs: nowMs,
    health: 80,
  };
}

const ET = temporal.api.enums.v1.EventType;

export interface TaskByIdentity {
  identity: string;
  kind: 'workflow' | 'activity';
  atMs: number;
}

/** Who ran each workflow task and activity of a history, and when it started. */
export function tasksByIdentity(history: temporal.api.history.v1.IHistory): TaskByIdentity[] {
  const out: TaskByIdentity[] = [];
  for (const e of history.events ?? []) {
    const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_STARTED && e.workflowTaskStartedEventAttributes?.identity)
      out.push({ identity: e.workflowTaskStartedEventAttributes.identity, kind: 'workflow', atMs: at });
    if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_STARTED && e.activityTaskStartedEventAttributes?.identity)
      out.push({ identity: e.activityTaskStartedEventAttributes.identity, kind: 'activity', atMs: at });
  }
  return out;
}
