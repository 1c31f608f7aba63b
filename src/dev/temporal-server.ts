/**
 * DEV ONLY. A local Temporal dev server (with its Web UI) for `npm run dev`: reuses one already
 * listening on the port, otherwise starts the resolved `temporal` CLI with its state in a SQLite file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { Connection } from '@temporalio/client';
import { DEV_SERVER_SEARCH_ATTRIBUTE_ARGS } from '../app/search-attributes';
import { resolveTemporalBinary } from '../temporal-binaries';

export interface DevTemporalServer {
  address: string;
  uiUrl: string;
  /** False when an already running server was reused (then it is left running on stop). */
  owned: boolean;
  pid?: number;
  stop(): Promise<void>;
}

export interface DevTemporalOptions {
  ip: string;
  port: number;
  uiPort: number;
  dbFilename: string;
  logFile: string;
  log: (line: string) => void;
  startTimeoutMs?: number;
  /** The codec endpoint the UI decodes payloads through (with its token in the path). */
  uiCodecEndpoint?: string;
}

export function portInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when a Temporal frontend answers at `address`. */
async function temporalAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2000 });
    try {
      await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDevTemporal(opts: DevTemporalOptions): Promise<DevTemporalServer> {
  const address = `${opts.ip}:${opts.port}`;
  const uiUrl = `http://${opts.ip}:${opts.uiPort}`;
  if (await portInUse(opts.port, opts.ip)) {
    if (await temporalAnswers(address)) {
      opts.log(`reusing the Temporal server already listening on ${address} (its UI, if any, is its own)`);
      return { address, uiUrl, owned: false, stop: async () => undefined };
    }
    throw new Error(`Port ${opts.port} is taken by something that is not a Temporal server. Free it or set DEV_TEMPORAL_PORT.`);
  }
  if (await portInUse(opts.uiPort, opts.ip)) {
    throw new Error(`UI port ${opts.uiPort} is taken. Free it or set DEV_UI_PORT.`);
  }

  const binary = resolveTemporalBinary('cli');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    opts.dbFilename,
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--ip',
    opts.ip,
    // Chips reserve partners through a Workflow Update.
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...DEV_SERVER_SEARCH_ATTRIBUTE_ARGS.flatMap((a) => ['--search-attribute', a]),
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
  ];
  const logFd = openSync(opts.logFile, 'a');
  // Its own process group: Ctrl-C reaches us first, and we stop the server after the worker.
  const child: ChildProcess = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  // If this process dies without a clean stop, do not leave the server behind.
  const killOnExit = () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited || !child.pid) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timedOut = await Promise.race([exitPromise.then(() => false), sleep(10_000).then(() => true)]);
    if (timedOut) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exitPromise;
    }
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      throw new Error(
        `The Temporal dev server exited (code ${exited.code}, signal ${exited.signal}) before answering; see ${opts.logFile}.`,
      );
    }
    if (await temporalAnswers(address)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `The Temporal dev server did not answer on ${address} within ${Math.round((opts.startTimeoutMs ?? 60_000) / 1000)} s; see ${opts.logFile}.`,
      );
    }
    await sleep(250);
  }
  return { address, uiUrl, owned: true, pid: child.pid, stop };
}

/** Waits until the Web UI answers 200 (it starts a moment after the frontend). */
export async function waitForUi(uiUrl: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(uiUrl, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return true;
    } catch {
      /* not yet */
    }
    await sleep(300);
  }
  return false;
}
