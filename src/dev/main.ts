/**
 * `npm run dev` — the whole local stack in one command, for the demo and for development:
 * a Temporal dev server with its Web UI (state in .data/temporal.db), the embedded database
 * (.data/db), the messaging simulator, the webhook receiver, the worker, the schedules, and a demo
 * fleet of six chips on a compressed program clock (one program day = 2 minutes by default).
 * A second run picks the same fleet up where it was. Ctrl-C stops everything.
 *
 * Env (all optional): WARMER_DEV_DIR (.data), WARMER_DATA_DIR (<dev dir>/db), WARMER_DAY (2m),
 * WARMER_EPOCH (kept in <dev dir>/dev-epoch), DEV_TEMPORAL_PORT (7233), DEV_UI_PORT (8233),
 * SIMULATOR_PORT (8081), WEBHOOK_PORT (8082), WARMER_CODEC_PORT (8083), DEV_TABLE_EVERY (30s), and
 * everything src/config.ts reads.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Db, selectDbDriver } from '../adapters/db';
import { buildWarmerProcess, type OnStop } from '../app/warmer-process';
import { listFleet } from '../client/fleet';
import { startConsole } from '../console/server';
import { fleetTable } from '../presentation/text-tables';
import { describeConfig, devDir as devDirOf, embeddedDataDir, loadConfig, parseDuration, warmupSettings } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { syncSchedules } from '../client/schedules';
import { SIM_TEST_PREFIX } from '../simulator/instance-routes';
import { startSimulator, type Simulator } from '../simulator/simulator';
import { devCodecSettings } from './codec';
import { DEMO_CHIPS, ensureDemoFleet, printDemoCode } from './demo-fleet';
import { type DevStackInfo, readLiveDevStack, removeDevStackFile, serveDb, writeDevStackFile } from './db-bridge';
import { type DevTemporalServer, startDevTemporal, waitForUi } from './temporal-server';

const log = (line: string) => console.log(`[dev] ${line}`);

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} must be a port number (1-65535).`);
  return n;
}

/** The program-clock origin of this dev directory: chosen on the first run, kept for the next ones. */
function devEpoch(devDir: string, env: NodeJS.ProcessEnv): string {
  if (env.WARMER_EPOCH?.trim()) return env.WARMER_EPOCH.trim();
  const file = path.join(devDir, 'dev-epoch');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (Number.isFinite(Date.parse(saved))) return saved;
  }
  const now = new Date().toISOString();
  writeFileSync(file, `${now}\n`);
  return now;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const ip = '127.0.0.1';
  const devDir = devDirOf(env);
  mkdirSync(devDir, { recursive: true });
  const dataDir = embeddedDataDir(env);
  const temporalPort = port(env, 'DEV_TEMPORAL_PORT', 7233);
  const uiPort = port(env, 'DEV_UI_PORT', 8233);
  const simulatorPort = port(env, 'SIMULATOR_PORT', 8081);
  const webhookPort = port(env, 'WEBHOOK_PORT', 8082);
  const codecPort = port(env, 'WARMER_CODEC_PORT', 8083);
  const tableEveryMs = parseDuration(env.DEV_TABLE_EVERY ?? '30s') ?? 30_000;

  const other = readLiveDevStack(dataDir);
  if (other) throw new Error(`Another 'npm run dev' (pid ${other.pid}) is using ${dataDir}. Stop it first, or set WARMER_DEV_DIR.`);

  // What the stack runs with; the CLI in another terminal reads the same values from the dev-stack file.
  const stackEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: `${ip}:${temporalPort}`,
    WARMER_DATA_DIR: dataDir,
    WARMER_DAY: env.WARMER_DAY?.trim() || '2m',
    WARMER_EPOCH: devEpoch(devDir, env),
    ...(env.WARMER_TASK_QUEUE ? { WARMER_TASK_QUEUE: env.WARMER_TASK_QUEUE } : {}),
    ...(env.TEMPORAL_NAMESPACE ? { TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE } : {}),
    ...(env.WARMER_PACE ? { WARMER_PACE: env.WARMER_PACE } : {}),
    // The CLI checks instances on the simulator (chip add); the key is set below.
    EVOLUTION_API_URL: `http://${ip}:${simulatorPort}`,
  };
  // Payloads are encrypted as in production; the CLI gets the key through the dev-stack file.
  const codecSettings = devCodecSettings(devDir, env);
  stackEnv.WARMER_CODEC_KEYS = codecSettings.keys;
  const secrets = {
    EVOLUTION_API_KEY: env.EVOLUTION_API_KEY?.trim() || 'simulator-key',
    WEBHOOK_SECRET: env.WEBHOOK_SECRET?.trim() || randomBytes(16).toString('hex'),
  };
  stackEnv.EVOLUTION_API_KEY = secrets.EVOLUTION_API_KEY;
  const config = loadConfig({
    ...env,
    ...stackEnv,
    ...secrets,
    EVOLUTION_API_URL: `http://${ip}:${simulatorPort}`,
    WEBHOOK_PORT: String(webhookPort),
    // Onboarded instances post their webhooks here, as in production.
    WEBHOOK_PUBLIC_URL: `http://${ip}:${webhookPort}/webhook`,
    TEMPORAL_API_KEY: '',
    TEMPORAL_TLS: 'false',
    // The codec endpoint with the dev folder's token, for the dev server's UI only.
    WARMER_CODEC_PORT: String(codecPort),
    WARMER_CODEC_TOKEN: codecSettings.token,
    WARMER_CODEC_CORS_ORIGINS: `http://${ip}:${uiPort},http://localhost:${uiPort}`,
    // Event receivers of a dev setup run on this machine or its network (WARMER_EVENTS_URL from the environment).
    WARMER_EVENTS_ALLOW_PRIVATE: env.WARMER_EVENTS_ALLOW_PRIVATE?.trim() || '1',
  });

  let server: DevTemporalServer | undefined;
  let simulator: Simulator | undefined;
  // The simulator keeps nothing: every registered chip gets its instance back on each start.
  const addInstance = (name: string, phone: string) => {
    if (!simulator!.control.instances().some((i) => i.name === name)) simulator!.control.addInstance(name, phone);
  };
  /** While the stack runs, the CLI in another terminal reaches the embedded database through this bridge. */
  const serveDevStackDb = async (db: Db, onStop: OnStop) => {
    const bridge = await serveDb(db, {
      // A chip added with the CLI during the demo gets its simulated instance at once.
      afterCall: (method, _args, result) => {
        if (method === 'registerChip') {
          const chip = result as { instanceName: string; phone: string };
          addInstance(chip.instanceName, chip.phone);
        }
      },
    });
    const info: DevStackInfo = {
      pid: process.pid,
      dbUrl: bridge.url,
      token: bridge.token,
      uiUrl: server!.uiUrl,
      env: stackEnv,
      startedAt: new Date().toISOString(),
    };
    writeDevStackFile(dataDir, info);
    onStop('database bridge', async () => {
      removeDevStackFile(dataDir);
      await bridge.close();
    });
  };

  const app = buildWarmerProcess(config, {
    // Pretty lines, WARN and above unless LOG_LEVEL says otherwise: the banner and the table stay readable.
    logging: {
      level: env.LOG_LEVEL?.trim() ? config.observability.logLevel : 'warn',
      pretty: env.LOG_PRETTY?.trim() ? config.observability.logPretty : true,
    },
    host: ip,
    notifyLog: (line) => console.log(line),
    beforeTemporal: async ({ codecEndpoint, onStop }) => {
      server = await startDevTemporal({
        uiCodecEndpoint: `${codecEndpoint!.url}/${codecSettings.token}`,
        ip,
        port: temporalPort,
        uiPort,
        dbFilename: path.join(devDir, 'temporal.db'),
        logFile: path.join(devDir, 'temporal.log'),
        log,
      });
      onStop('Temporal dev server', () => server!.stop());
      if (server.owned) log(`Temporal dev server on ${server.address} (pid ${server.pid}), state in ${path.join(devDir, 'temporal.db')}`);
    },
    beforeWorker: async ({ db, receiver, migrationsApplied, onStop }) => {
      if (migrationsApplied.length > 0) log(`database migrations applied: ${migrationsApplied.join(', ')}`);
      simulator = await startSimulator({
        port: simulatorPort,
        host: ip,
        apiKey: config.evolution.apiKey!,
        webhookUrl: receiver!.url,
        webhookHeaders: { 'x-warmer-secret': config.webhook.secret! },
      });
      onStop('simulator', () => simulator!.close());
      for (const chip of await db.listChips()) addInstance(chip.instanceName, chip.phone);
      if (selectDbDriver(config.db) === 'embedded') await serveDevStackDb(db, onStop);
      log('bundling the workflows and starting the worker');
    },
  });

  let stopping: Promise<void> | undefined;
  let tableTimer: NodeJS.Timeout | undefined;
  let firstSignalAt = 0;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A wrapper (npm, tsx) may relay the same Ctrl-C a moment later: only a later one forces.
      if (Date.now() - firstSignalAt < 2_000) return;
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log(`${signal}: stopping the stack (Ctrl-C again to force)`);
    if (tableTimer) clearInterval(tableTimer);
    stopping = app.stop({ workerGraceMs: 10_000 });
    stopping.then(
      () => {
        log('stopped, exit code 0');
        process.exit(0);
      },
      (err: unknown) => {
        log(`stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    log(
      `starting (${Object.entries(describeConfig(config))
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')})`,
    );
    const { db, temporal, receiver, codecEndpoint, logger, workerRun } = await app.start();
    workerRun.catch((err: unknown) => {
      log(`worker stopped: ${(err as Error).message}`);
      if (!stopping) shutdown('worker failure');
    });

    const schedules = await syncSchedules(temporal.client, { taskQueue: config.temporal.taskQueue });
    log(`schedules: ${schedules.map((s) => `${s.scheduleId} ${s.outcome}`).join(', ')}`);

    const settings = warmupSettings(config, config.program.epochMs ?? DEFAULT_PROGRAM_EPOCH_MS);
    const demo = await ensureDemoFleet(temporal.client, db, {
      settings,
      taskQueue: config.temporal.taskQueue,
      onboarding: {
        settings: config.onboarding,
        scan: (instance, phone) => void simulator!.control.scan(instance, phone),
        showCode: (view) => printDemoCode(view, (text) => console.log(text)),
      },
    });
    for (const chip of demo.chips) addInstance(chip.instanceName, chip.phone);
    log(`demo fleet: ${demo.chips.length} chips (${demo.registered} registered now, ${demo.started} workflows started now)`);
    if (demo.onboarded > 0)
      log(`demo fleet: ${demo.onboarded} onboarded (instance created, QR code scanned by the simulator, number checked)`);

    const uiUrl = server!.uiUrl;
    const consoleServer = await startConsole({
      db,
      temporal: async () => temporal.client,
      settings: { dayMs: config.program.dayMs, epochMs: config.program.epochMs ?? DEFAULT_PROGRAM_EPOCH_MS },
      temporalUiUrl: uiUrl,
      namespace: config.temporal.namespace,
      host: ip,
      port: config.console.port,
      token: config.console.token,
      apiToken: config.console.apiToken,
      allowedHosts: config.console.hosts,
      trustedProxies: config.console.trustedProxies,
      onboarding: { taskQueue: config.temporal.taskQueue, settings: config.onboarding },
      log: (level, message, fields) => logger[level]({ component: 'console', ...fields }, message),
    });
    app.onStop('console', () => consoleServer.close());

    const uiUp = await waitForUi(uiUrl);
    const showTable = async () => {
      try {
        const view = await listFleet(temporal.client, db, { dayMs: config.program.dayMs, queryTimeoutMs: 3000 });
        console.log(`\n${new Date().toLocaleTimeString()} fleet\n${fleetTable(view)}\n`);
      } catch (err) {
        log(`fleet table unavailable: ${(err as Error).message}`);
      }
    };
    const example = DEMO_CHIPS[0]!.instanceName;
    console.log(
      [
        '',
        '================================================================',
        ` Warmer dev stack is up. One program day lasts ${stackEnv.WARMER_DAY}.`,
        ` Console       ${consoleServer.url}   (fleet and chip pages, pause/resume)`,
        ` Temporal UI   ${uiUrl}${uiUp ? '' : ' (not answering yet)'}`,
        `               chips by phase: ${uiUrl}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent('WarmerPhase="setup"')}`,
        ` Temporal      ${server!.address}   simulator ${simulator!.url}   webhooks ${receiver!.url}`,
        ` Payloads      encrypted; the UI decodes them through ${codecEndpoint!.url} (key and token in ${path.join(devDir, 'dev-codec.json')})`,
        ` Worker        ${receiver!.url.replace(/\/webhook$/, '')}/healthz  /readyz  /metrics`,
        ` In another terminal (same folder):`,
        `   npx warmer fleet`,
        `   npx warmer chip pause ${example} --reason "checking"`,
        `   npx warmer chip resume ${example}`,
        `   npx warmer chip status ${example}`,
        `   npx warmer chip onboard --phone +5511900000007 --instance demo-7   (or "Novo chip" in the console)`,
        `   then, standing in for the phone: curl -X POST ${simulator!.url}${SIM_TEST_PREFIX}/scan/demo-7 -H 'apikey: ${secrets.EVOLUTION_API_KEY === 'simulator-key' ? 'simulator-key' : '<EVOLUTION_API_KEY>'}' \\`,
        `        -H 'content-type: application/json' -d '{"phone":"5511900000007"}'`,
        ' Ctrl-C stops everything; the next `npm run dev` picks the fleet up where it was.',
        '================================================================',
      ].join('\n'),
    );
    await showTable();
    tableTimer = setInterval(() => void showTable(), tableEveryMs);
    log('ready');
  } catch (err) {
    if (!stopping) await app.stop();
    throw err;
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[dev] could not start: ${(err as Error).message}`);
    process.exit(1);
  });
}
