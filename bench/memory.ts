/**
 * Memory: worker RSS per 1,000 open chip workflows held in the worker's workflow cache, and the
 * setting that bounds it (maxCachedWorkflows, WARMER_MAX_CACHED_WORKFLOWS in the app).
 *
 * For each cache size, a fresh child process (so freed memory of one run cannot hide in the next):
 * a time-skipping server and a worker with no-op activities; N chips start in `setup` and sleep on
 * their timers (time never moves); each is then queried once, which brings it into the cache (a
 * cache hit, or a replay that evicts the least recently used). RSS is read after a forced GC, before
 * the chips start and after every chip was queried. The database and simulator are not in this
 * process (they are not what the cache holds); see lifecycle.ts for the whole stack's peak.
 *
 *   npx tsx bench/memory.ts [--chips 1000] [--caches sdk-default,1000,100]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from '@temporalio/worker';
import type { WarmupActivities } from '../src/activities/types';
import { startChipWarmup, chipStatus } from '../src/client/chips';
import { testSettings, timeSkippingEnv, workflowBundle } from '../test/helpers/temporal';
import { MiB, argNumber, argString, log, machine, quietRuntime, report, round, table } from './lib';

const NOOP: WarmupActivities = {
  persistPhaseChange: async () => undefined,
  persistStatus: async () => undefined,
  persistHealth: async () => undefined,
  persistStanding: async () => undefined,
  openAlert: async () => undefined,
  resolveAlert: async () => undefined,
  notify: async () => undefined,
  planConversation: async () => ({ kind: 'none', reason: 'no_partners' }),
  deliverTurn: async () => ({ alreadySent: true }),
  finishConversation: async () => undefined,
  postStatus: async () => ({ kind: 'not_posted', reason: 'unsupported' }),
  planGroupConversation: async () => ({ kind: 'none', reason: 'no_group' }),
  deliverGroupTurn: async () => ({ alreadySent: true }),
  finishGroupConversation: async () => undefined,
  sendDailySummary: async () => ({ warming: 0, paused: 0, ready: 0, banned: 0, averageHealth: 0, openAlerts: 0, stalled: 0 }),
  rotatePairs: async () => ({ deactivated: 0, created: 0 }),
  runProfileSteps: async (input) => ({ done: input.steps, failed: [] }),
  checkConnection: async () => 'open',
};

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
async function settledRss(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 250));
  }
  return process.memoryUsage().rss;
}

interface ChildResult {
  cache: string;
  maxCachedWorkflows: number;
  chips: number;
  rssBeforeMiB: number;
  rssAfterStartMiB: number;
  rssAfterQueriesMiB: number;
  deltaMiB: number;
  perThousandChipsMiB: number;
  heapUsedAfterMiB: number;
  cachedAtEnd: number;
  queryMs: { first: number; total: number };
  /** RSS (no forced GC) as the chips are queried one batch after another. */
  curve: { queried: number; rssMiB: number }[];
}

async function child(cacheArg: string, n: number): Promise<void> {
  quietRuntime();
  const bundle = await workflowBundle({ fresh: true });
  const env = await timeSkippingEnv();
  const taskQueue = `bench-memory-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: NOOP,
    ...(cacheArg === 'sdk-default' ? {} : { maxCachedWorkflows: Number(cacheArg) }),
  });
  const maxCachedWorkflows = worker.options.maxCachedWorkflows;
  log(`child: maxCachedWorkflows ${maxCachedWorkflows}, ${n} chips`);
  const out = await worker.runUntil(async () => {
    // Warm the worker up with one chip, so the V8 context and the bundle are loaded before "before".
    const now = await env.currentTimeMs();
    const s = testSettings({ searchAttributes: false });
    const warm = await startChipWarmup(env.client, {
      chip: { chipId: 'warm-0', phone: '5511988880000', instanceName: 'warm-0' },
      registeredAt: new Date(now).toISOString(),
      settings: s,
      taskQueue,
    });
    await chipStatus(env.client, 'warm-0');
    const before = await settledRss();
    const chips = Array.from({ length: n }, (_, i) => ({
      chipId: `mem-${i}`,
      phone: `5511${(910000000 + i).toString()}`,
      instanceName: `mem-${i}`,
    }));
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        chips
          .slice(i, i + 100)
          .map((chip) => startChipWarmup(env.client, { chip, registeredAt: new Date(now).toISOString(), settings: s, taskQueue })),
      );
    }
    const afterStart = await settledRss();
    const t = Date.now();
    let first = 0;
    const curve: { queried: number; rssMiB: number }[] = [];
    const every = Math.max(50, Math.floor(n / 10 / 50) * 50);
    for (let i = 0; i < n; i += 50) {
      await Promise.all(chips.slice(i, i + 50).map((chip) => chipStatus(env.client, chip.chipId)));
      if (i === 0) first = Date.now() - t;
      if ((i + 50) % every === 0 || i + 50 >= n)
        curve.push({ queried: Math.min(n, i + 50), rssMiB: round(process.memoryUsage().rss / MiB, 1) });
    }
    const queryTotal = Date.now() - t;
    const after = await settledRss();
    const heap = process.memoryUsage().heapUsed;
    const cached = worker.getStatus().numCachedWorkflows;
    await warm.terminate('done').catch(() => undefined);
    await Promise.all(
      chips.map((chip) =>
        env.client.workflow
          .getHandle(`chip-warmup/${chip.chipId}`)
          .terminate('done')
          .catch(() => undefined),
      ),
    );
    return { before, afterStart, after, heap, cached, first, queryTotal, curve };
  });
  await env.teardown();
  const result: ChildResult = {
    cache: cacheArg,
    maxCachedWorkflows,
    chips: n,
    rssBeforeMiB: round(out.before / MiB, 1),
    rssAfterStartMiB: round(out.afterStart / MiB, 1),
    rssAfterQueriesMiB: round(out.after / MiB, 1),
    deltaMiB: round((out.after - out.before) / MiB, 1),
    perThousandChipsMiB: round(((out.after - out.before) / MiB) * (1000 / n), 1),
    heapUsedAfterMiB: round(out.heap / MiB, 1),
    cachedAtEnd: out.cached,
    queryMs: { first: out.first, total: out.queryTotal },
    curve: out.curve,
  };
  process.stdout.write(`CHILD_RESULT ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const n = argNumber('chips', 1000);
  // `100x3000`: cache 100 with 3,000 chips (three times the fleet, to show the bound holds).
  const caches = argString('caches', `sdk-default,1000,100,100x${3 * n}`).split(',');
  if (process.argv.includes('--child')) return child(argString('cache', 'sdk-default'), n);
  const load = machine();
  const results: ChildResult[] = [];
  for (const spec of caches) {
    const [cache, chipsRaw] = spec.split('x') as [string, string | undefined];
    const chips = chipsRaw ? Number(chipsRaw) : n;
    log(`cache ${cache}: ${chips} chips in a fresh process`);
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, path.join(__dirname, 'memory.ts'), '--child', '--cache', cache, '--chips', String(chips)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * MiB,
      },
    );
    const line = out.split('\n').find((l) => l.startsWith('CHILD_RESULT '));
    if (!line) throw new Error(`child for cache ${spec} printed no result:\n${out}`);
    results.push(JSON.parse(line.slice('CHILD_RESULT '.length)) as ChildResult);
  }
  const result = {
    command: `npx tsx bench/memory.ts --chips ${n} --caches ${caches.join(',')}`,
    machine: load,
    server: 'time-skipping test server (time never advances: every chip stays asleep on its timer)',
    chips: n,
    perCachedChipWorkflowMiB: round(
      Math.max(...results.filter((r) => r.maxCachedWorkflows >= r.chips).map((r) => r.perThousandChipsMiB)) / 1000,
      3,
    ),
    runs: results,
    note: 'RSS of the worker process (Node + the SDK core + the workflow V8 context); forced GC before each reading.',
  };
  const rows: [string, string | number, string?][] = results.flatMap((r) => [
    [
      `${r.chips} chips, maxCachedWorkflows ${r.cache === 'sdk-default' ? `SDK default (${r.maxCachedWorkflows})` : r.maxCachedWorkflows}`,
      `+${r.deltaMiB} MiB`,
      `RSS ${r.rssBeforeMiB} -> ${r.rssAfterQueriesMiB} MiB (peak seen ${Math.max(...r.curve.map((c) => c.rssMiB))}); ${r.perThousandChipsMiB} MiB per 1,000 chips; ${r.cachedAtEnd} cached at end`,
    ] as [string, string, string],
  ]);
  rows.push(['load average at start', load.loadavg.join(' '), `${load.cpus} cpus`]);
  report('memory', table(`Memory: open chip workflows in one worker, RSS growth by cache size (maxCachedWorkflows)`, rows), result);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
