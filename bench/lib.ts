/**
 * What only the benchmarks need: arguments, a fleet of real chips (embedded database + simulator + the
 * real activities), counting wrappers around the Db port and the partner directory, an RSS sampler,
 * billable actions counted from real histories, and the result files. The workflow bundle, the
 * Temporal servers, the settings and the compressed clock are the tests' own (test/helpers/temporal.ts),
 * so a benchmark runs what the tests run. Benchmarks print figures; they assert nothing.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTemporalChipDirectory } from '../src/client/chip-directory';
import type { ChipDirectory } from '../src/activities/deps';
import type {
  ChipRef,
  ConversationPlan,
  DeliverTurnInput,
  DeliveredTurn,
  FinishConversationInput,
  PlanConversationInput,
  WarmupActivities,
} from '../src/activities/types';
import { createActivities } from '../src/activities';
import { createEmbeddedDb } from '../src/adapters/db/embedded';
import type { Db } from '../src/adapters/db/port';
import { createDialogueSource } from '../src/adapters/dialogue';
import { metrics } from '../src/observability/metrics';
import { createEvolutionClient } from '../src/adapters/messaging/evolution';
import type { Messaging } from '../src/adapters/messaging/port';
import { createNotifier } from '../src/adapters/notify';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS, programClock } from '../src/domain/clock';
import { type ActionCounts, totalActions } from '../src/forecast/actions';
import { startSimulator, type Simulator } from '../src/simulator/simulator';
import { PHASES, type Phase } from '../src/domain/phases';
import type { ChipState } from '../src/workflows/api';
import { preparedState } from '../test/helpers/worker-processes';

export const BENCH_DIR = __dirname;
export const RESULTS_DIR = path.join(__dirname, 'results');
export const API_KEY = 'bench-global-key';
export const FLEET = 'bench';

// ---------------------------------------------------------------------------------------------
// Arguments and output

export function argNumber(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got '${raw}'`);
  return value;
}

export function argFlag(name: string): boolean {
  return process.argv.slice(2).includes(`--${name}`);
}

export function argString(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  return (argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1]) ?? fallback;
}

/** The machine and its load when a benchmark starts (the machine is shared). */
export function machine(): { cpus: number; cpuModel: string; memGiB: number; loadavg: number[]; node: string } {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
  };
}

export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** A plain text table: rows of [label, value, note?]. */
export function table(title: string, rows: [string, string | number, string?][]): string {
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.max(...rows.map((r) => String(r[1]).length), 5);
  const lines = [title, '-'.repeat(Math.min(100, title.length))];
  for (const [label, value, note] of rows) lines.push(`${label.padEnd(w0)}  ${String(value).padStart(w1)}${note ? `  ${note}` : ''}`);
  return lines.join('\n');
}

export function writeResult(name: string, result: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export function readResult(name: string): Record<string, unknown> | null {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The code measured: HEAD and whether src/ had uncommitted changes (the tree is shared and moves). */
export function codeVersion(): { commit: string; srcUncommittedChanges: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim().length > 0;
    return { commit, srcUncommittedChanges: dirty };
  } catch {
    return { commit: 'unknown', srcUncommittedChanges: false };
  }
}

/** Captured when a benchmark module loads, i.e. when the workflow code is bundled (not when it ends). */
const CODE_AT_START = codeVersion();

/** Prints the table, then one JSON line (`BENCH_JSON {...}`) for machines. */
export function report(name: string, text: string, result: Record<string, unknown>): void {
  // `--out other` writes bench/results/other.json instead (quick or side runs keep the defaults' files).
  const outName = argString('out', name);
  result = { ...result, code: CODE_AT_START };
  const file = writeResult(outName, result);
  process.stdout.write(`${text}\n`);
  process.stdout.write(`BENCH_JSON ${JSON.stringify({ bench: outName, ...result })}\n`);
  log(`wrote ${path.relative(process.cwd(), file)}`);
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const MiB = 2 ** 20;

// ---------------------------------------------------------------------------------------------
// Temporal

/** Quiet core logs (the benchmarks print their own figures). Call before any worker or environment. */
export function quietRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
}

// ---------------------------------------------------------------------------------------------
// Counting wrappers (bench only)

export interface CallCounts {
  byMethod: Record<string, number>;
  total: number;
  reset(): void;
}

function counter(): CallCounts {
  const c: CallCounts = {
    byMethod: {},
    total: 0,
    reset() {
      c.byMethod = {};
      c.total = 0;
    },
  };
  return c;
}

/** The Db port behind a Proxy that counts every call (one call = one SQL function round trip). */
export function countingDb(db: Db): { db: Db; counts: CallCounts } {
  const counts = counter();
  const wrapped = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'close' || prop === 'migrate') return value;
      return (...args: unknown[]) => {
        const name = String(prop);
        counts.byMethod[name] = (counts.byMethod[name] ?? 0) + 1;
        counts.total++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { db: wrapped, counts };
}

/** Counts reserve Updates, accepted and rejected (a rejected Update is billed but leaves no history event). */
export function countingDirectory(inner: ChipDirectory): {
  chips: ChipDirectory;
  counts: { accepted: number; rejected: number; reasons: Record<string, number> };
} {
  const counts = { accepted: 0, rejected: 0, reasons: {} as Record<string, number> };
  return {
    counts,
    chips: {
      async reserve(partnerChipId, request) {
        const answer = await inner.reserve(partnerChipId, request);
        if (answer.accepted) counts.accepted++;
        else {
          counts.rejected++;
          const { reason } = answer.refusal;
          counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
        }
        return answer;
      },
    },
  };
}

const SEND_METHODS = new Set(['sendText', 'sendReaction', 'sendSticker', 'sendImage', 'sendVoiceNote']);

/** Records when each deliverTurn-level messaging call starts (bench-side timing of turns). */
export function timedMessaging(inner: Messaging, onSendStart: (instance: string, atMs: number) => void): Messaging {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        // Every kind of send: text, reaction, sticker, image, voice note.
        if (SEND_METHODS.has(String(prop))) onSendStart(String(args[0]), Date.now());
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Hooks around the real activities (bench-side timing; the activities themselves are unchanged). */
export interface ActivityHooks {
  onPlan?: (input: PlanConversationInput, plan: ConversationPlan | null) => void;
  onTurnStart?: (input: DeliverTurnInput, atMs: number) => void;
  onTurnEnd?: (input: DeliverTurnInput, result: DeliveredTurn | null, atMs: number) => void;
  onFinish?: (input: FinishConversationInput, atMs: number) => void;
}

export function observeActivities(inner: WarmupActivities, hooks: ActivityHooks): WarmupActivities {
  return {
    ...inner,
    async planConversation(input) {
      const plan = await inner.planConversation(input);
      hooks.onPlan?.(input, plan.kind === 'planned' ? plan.plan : null);
      return plan;
    },
    async deliverTurn(input) {
      hooks.onTurnStart?.(input, Date.now());
      try {
        const result = await inner.deliverTurn(input);
        hooks.onTurnEnd?.(input, result, Date.now());
        return result;
      } catch (err) {
        hooks.onTurnEnd?.(input, null, Date.now());
        throw err;
      }
    },
    async finishConversation(input) {
      hooks.onFinish?.(input, Date.now());
      return inner.finishConversation(input);
    },
  };
}

/** A chip state in `phase` since `nowMs`, with a history that satisfies the earlier phases (the workflow's own initial state, moved on). */
export function stateIn(phase: Phase, nowMs: number, dayMs: number, epochMs?: number): ChipState {
  return preparedState(phase, nowMs, dayMs, epochMs ?? programClock(dayMs).epochMs) as ChipState;
}

// ---------------------------------------------------------------------------------------------
// Memory

/** Samples this process's RSS (and the child Temporal server's, from /proc) every `intervalMs`. */
export function startRssSampler(intervalMs = 250): { peakRss: () => number; peakServerRss: () => number; stop: () => void } {
  let peak = process.memoryUsage().rss;
  let peakServer = 0;
  const tick = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
    const server = childRss();
    if (server > peakServer) peakServer = server;
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    peakRss: () => {
      tick();
      return peak;
    },
    peakServerRss: () => peakServer,
    stop: () => clearInterval(timer),
  };
}

/** RSS of this process's child processes (the Temporal server the SDK started), Linux only. */
export function childRss(): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== process.pid) continue;
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const m = /VmRSS:\s+(\d+) kB/.exec(status);
        if (m) total += Number(m[1]) * 1024;
      } catch {
        // process gone
      }
    }
  } catch {
    return 0;
  }
  return total;
}

/** CPU seconds used so far by this process (all its threads) and by its child processes (the Temporal server). */
export function cpuSeconds(): { process: number; children: number } {
  const own = process.cpuUsage();
  let children = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) !== process.pid) continue;
        children += (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
      } catch {
        // process gone
      }
    }
  } catch {
    // not Linux
  }
  return { process: (own.user + own.system) / 1e6, children };
}

export async function settleGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// A fleet of real chips: embedded Postgres, the simulator, the real activities

export interface Fleet {
  db: Db;
  rawDb: Db;
  dbCounts: CallCounts;
  simulator: Simulator;
  chips: ChipRef[];
  reserveCounts: { accepted: number; rejected: number; reasons: Record<string, number> };
  activities: ReturnType<typeof createActivities>;
  close(): Promise<void>;
}

/**
 * Registers `n` chips in one fleet in the embedded database and as connected simulator instances.
 * `phase` records them in that phase (promoted step by step, as the workflow would): a bench that
 * starts workflows with `stateIn(phase)` needs the database to agree, or the planner sees partners
 * still in setup (cap 0) and plans nothing.
 */
export async function createFleet(
  client: Client,
  n: number,
  opts: { messaging?: (m: Messaging) => Messaging; label?: string; fleetOf?: (i: number) => string; phase?: Phase } = {},
): Promise<Fleet> {
  const rawDb = createEmbeddedDb();
  await rawDb.migrate();
  const simulator = await startSimulator({ apiKey: API_KEY, holdPresence: false });
  const label = opts.label ?? 'b';
  const chips: ChipRef[] = [];
  for (let i = 0; i < n; i++) {
    const phone = `5511${(900000000 + i).toString()}`; // 55 11 9xxxxxxxx: a valid São Paulo mobile
    const instanceName = `${label}-${i}`;
    const record = await rawDb.registerChip({ phone, instanceName, fleetId: opts.fleetOf ? opts.fleetOf(i) : FLEET });
    simulator.control.addInstance(instanceName, phone);
    chips.push({ chipId: record.id, phone: record.phone, instanceName });
    for (let p = 1; opts.phase && p <= PHASES.indexOf(opts.phase); p++) {
      const [from, to] = [PHASES[p - 1]!, PHASES[p]!];
      await rawDb.promoteChip({ chipId: record.id, from, to, health: 80, replyRate: 0.5, at: new Date().toISOString() });
    }
  }
  const { db, counts: dbCounts } = countingDb(rawDb);
  const directory = countingDirectory(createTemporalChipDirectory(client));
  const evolution = createEvolutionClient({ baseUrl: simulator.url, apiKey: API_KEY });
  const activities = createActivities({
    db,
    messaging: opts.messaging ? opts.messaging(evolution) : evolution,
    notifier: createNotifier({ log: () => undefined }),
    dialogues: createDialogueSource(),
    chips: directory.chips,
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    sleep: async () => undefined,
  });
  return {
    db,
    rawDb,
    dbCounts,
    simulator,
    chips,
    reserveCounts: directory.counts,
    activities,
    async close() {
      await simulator.close();
      await rawDb.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Billable actions from real histories

const ET = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActionTally {
  histories: number;
  events: number;
  clientStarts: number;
  childStarts: number;
  continueAsNew: number;
  timers: number;
  signalsReceived: number;
  signalsSentByWorkflows: number;
  signalsFailed: number;
  updatesAccepted: number;
  activitiesScheduled: number;
  activityAttempts: number;
  upserts: number;
  /** Program time from the first start to the last close, summed over chips (ms). */
  chipProgramMs: number;
}

export function emptyTally(): ActionTally {
  return {
    histories: 0,
    events: 0,
    clientStarts: 0,
    childStarts: 0,
    continueAsNew: 0,
    timers: 0,
    signalsReceived: 0,
    signalsSentByWorkflows: 0,
    signalsFailed: 0,
    updatesAccepted: 0,
    activitiesScheduled: 0,
    activityAttempts: 0,
    upserts: 0,
    chipProgramMs: 0,
  };
}

function tallyEvents(t: ActionTally, events: HistoryEvent[]): void {
  t.histories++;
  t.events += events.length;
  for (const e of events) {
    switch (e.eventType) {
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = e.workflowExecutionStartedEventAttributes;
        if (!a?.parentWorkflowExecution && !a?.continuedExecutionRunId) t.clientStarts++;
        break;
      }
      case ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        t.childStarts++;
        break;
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        t.continueAsNew++;
        break;
      case ET.EVENT_TYPE_TIMER_STARTED:
        t.timers++;
        break;
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        t.signalsReceived++;
        break;
      case ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        t.signalsSentByWorkflows++;
        break;
      case ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
        t.signalsFailed++;
        break;
      case ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        t.updatesAccepted++;
        break;
      case ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        t.activitiesScheduled++;
        t.activityAttempts++;
        break;
      case ET.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
        if (attempt > 1) t.activityAttempts += attempt - 1;
        break;
      }
      case ET.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        t.upserts++;
        break;
      default:
        break;
    }
  }
}

const CLOSE_EVENTS = new Set<number>([
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  ET.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

function eventTimeMs(e: HistoryEvent | undefined): number {
  const t = e?.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Fetches every run of every chip workflow (following continue-as-new) and every conversation child
 * they started, and tallies the events that Temporal Cloud bills.
 */
export async function tallyHistories(
  client: Client,
  chipWorkflows: { workflowId: string; firstRunId: string }[],
  concurrency = 16,
): Promise<{ chip: ActionTally; conversation: ActionTally }> {
  const chip = emptyTally();
  const conversation = emptyTally();
  const children: { workflowId: string; runId: string }[] = [];
  await mapLimit(chipWorkflows, concurrency, async ({ workflowId, firstRunId }) => {
    let runId: string | undefined = firstRunId;
    let firstStart = NaN;
    let lastClose = NaN;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events: HistoryEvent[] = history.events ?? [];
      tallyEvents(chip, events);
      if (Number.isNaN(firstStart)) firstStart = eventTimeMs(events[0]);
      const last: HistoryEvent | undefined = events[events.length - 1];
      if (last && last.eventType !== undefined && last.eventType !== null && CLOSE_EVENTS.has(last.eventType))
        lastClose = eventTimeMs(last);
      for (const e of events) {
        const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
        if (e.eventType === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED && started?.workflowId && started.runId) {
          children.push({ workflowId: started.workflowId, runId: started.runId });
        }
      }
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    if (Number.isFinite(firstStart) && Number.isFinite(lastClose)) chip.chipProgramMs += lastClose - firstStart;
  });
  await mapLimit(children, concurrency, async ({ workflowId, runId }) => {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    tallyEvents(conversation, history.events ?? []);
  });
  return { chip, conversation };
}

export function addTallies(a: ActionTally, b: ActionTally): ActionTally {
  const out = emptyTally();
  for (const k of Object.keys(out) as (keyof ActionTally)[]) out[k] = a[k] + b[k];
  return out;
}

/** Turn holds in this process long enough to heartbeat (each one billed heartbeat). */
export async function heartbeatingHolds(): Promise<number> {
  return (await metrics.heartbeatingHolds.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** The forecast's action counts (src/forecast/actions.ts), plus what only a real run has. */
export interface BillableActions extends ActionCounts {
  queries: number;
  /** Activity heartbeats reaching the server (billed): one per heartbeating hold, which ends well inside the SDK's throttle. */
  heartbeats: number;
  total: number;
  /** The stricter count: received + workflow-initiated signals (a workflow's signal counted twice). */
  totalCountingSignalsTwice: number;
}

/** Billable actions, per https://docs.temporal.io/cloud/actions (child start = 2; rejected Updates counted from the client side). */
export function billable(
  t: ActionTally,
  extra: { rejectedUpdates: number; queries: number; estimatedUpserts?: number; heartbeats?: number },
): BillableActions {
  const counts: ActionCounts = {
    starts: t.clientStarts,
    childStarts: 2 * t.childStarts,
    continueAsNew: t.continueAsNew,
    timers: t.timers,
    // Each signal once (Temporal's rule: one action per signal sent, from a client or a workflow).
    signals: t.signalsReceived + t.signalsFailed,
    updates: t.updatesAccepted + extra.rejectedUpdates,
    activityAttempts: t.activityAttempts,
    upserts: t.upserts + (extra.estimatedUpserts ?? 0),
  };
  const heartbeats = extra.heartbeats ?? 0;
  const total = totalActions(counts) + extra.queries + heartbeats;
  return {
    ...counts,
    queries: extra.queries,
    heartbeats,
    total,
    totalCountingSignalsTwice: total - counts.signals + t.signalsReceived + t.signalsSentByWorkflows,
  };
}
