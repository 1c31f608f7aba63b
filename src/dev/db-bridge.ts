/**
 * DEV ONLY. The embedded database (PGlite) lives inside one process and must never be opened by two
 * at once. While `npm run dev` holds it, the `warmer` CLI reaches it through this bridge: the dev stack
 * serves the Db port on 127.0.0.1 behind a random token and writes a small file next to the data
 * directory saying where; the CLI finds the file and uses a remote Db instead of opening the files.
 * The same file carries the dev stack's settings (Temporal address, program clock) so a chip added
 * from another terminal runs on the same clock as the demo fleet.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Db } from '../adapters/db/port';
import { listen } from '../adapters/http-listen';
import { createGuardedServer, discardBody, readBody } from '../adapters/http-server';
import { ConfigError, isWarmerError, reviveError } from '../domain/errors';

export interface DevStackInfo {
  pid: number;
  /** Base URL of the Db bridge. */
  dbUrl: string;
  token: string;
  uiUrl: string;
  /** Environment the dev stack runs with (Temporal address, program clock, task queue). */
  env: Record<string, string>;
  startedAt: string;
}

/**
 * Whether the bridge serves each method of the port: all of it except the lifecycle (the dev stack owns
 * the database). Typed against Db, so a method added to the port fails typecheck until it is listed here.
 */
const SERVED = {
  migrate: false,
  close: false,
  ping: true,
  registerChip: true,
  getChip: true,
  findChipByInstance: true,
  findChipByPhone: true,
  listChips: true,
  promoteChip: true,
  restartChip: true,
  setChipStatus: true,
  recordHealth: true,
  openAlert: true,
  resolveAlerts: true,
  listAlerts: true,
  ensurePairs: true,
  rotatePairs: true,
  planCandidates: true,
  createConversation: true,
  beginTurn: true,
  completeTurn: true,
  recordTurnKind: true,
  finishConversation: true,
  confirmAndClaim: true,
  completeAndFinish: true,
  unconfirmedTurnPending: true,
  recordProviderEvent: true,
  forgetProviderEvent: true,
  sentMessageExists: true,
  countProviderEvents: true,
  tripFleetBreaker: true,
  closeFleetBreaker: true,
  fleetBreakerOpen: true,
  recordEvent: true,
  getEvent: true,
  pendingEvents: true,
  recordEventAttempt: true,
  markEventDelivered: true,
  recordStanding: true,
  chipStandings: true,
  dailySummary: true,
  fleetOverview: true,
  chipHistory: true,
  recentConversations: true,
  recordOperatorAction: true,
  listOperatorActions: true,
  beginProfileSteps: true,
  recordProfileSteps: true,
  profileChecklist: true,
  markProfileStep: true,
  claimStatusPost: true,
  finishStatusPost: true,
  statusPostCounts: true,
  // Fleet groups (ports/groups.ts).
  chipGroups: true,
  groupCandidates: true,
  recordGroup: true,
  changeGroupMember: true,
  beginGroupConversation: true,
  claimGroupMessage: true,
  finishGroupConversation: true,
  groupSummary: true,
} as const satisfies Record<keyof Db, boolean>;
type RemoteMethod = { [K in keyof typeof SERVED]: (typeof SERVED)[K] extends true ? K : never }[keyof typeof SERVED];
const REMOTE_METHODS = (Object.keys(SERVED) as (keyof typeof SERVED)[]).filter((m): m is RemoteMethod => SERVED[m]);

export function devStackFile(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.dev-stack.json`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running dev stack that owns this data directory, if any (a file left by a killed one is ignored). */
export function readLiveDevStack(dataDir: string): DevStackInfo | undefined {
  let info: DevStackInfo;
  try {
    info = JSON.parse(readFileSync(devStackFile(dataDir), 'utf8')) as DevStackInfo;
  } catch {
    return undefined;
  }
  return typeof info.pid === 'number' && info.pid !== process.pid && alive(info.pid) ? info : undefined;
}

export function writeDevStackFile(dataDir: string, info: DevStackInfo): void {
  writeFileSync(devStackFile(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeDevStackFile(dataDir: string): void {
  rmSync(devStackFile(dataDir), { force: true });
}

function revive(error: { code?: string; message: string }): Error {
  return reviveError(error.code, error.message) ?? new Error(error.message);
}

export interface DbBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Serves `db` on 127.0.0.1: POST /db/<method> with the JSON array of arguments. */
export async function serveDb(
  db: Db,
  opts: { port?: number; afterCall?: (method: RemoteMethod, args: unknown[], result: unknown) => Promise<void> | void } = {},
): Promise<DbBridge> {
  const token = randomBytes(24).toString('hex');
  const allowed = new Set<string>(REMOTE_METHODS);
  const expected = Buffer.from(token);
  const tokenOk = (given: unknown) => {
    const g = Buffer.from(typeof given === 'string' ? given : '');
    return g.length === expected.length && timingSafeEqual(g, expected);
  };
  const server = createGuardedServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const method = (req.url ?? '').replace(/^\/db\//, '');
      if (req.method !== 'POST' || !allowed.has(method)) {
        reply(404, { ok: false, error: { message: 'unknown method' } });
        return discardBody(req);
      }
      if (!tokenOk(req.headers['x-warmer-dev-token'])) {
        reply(401, { ok: false, error: { message: 'bad token' } });
        return discardBody(req);
      }
      try {
        // JSON turns an omitted argument into null; the port's methods expect undefined there.
        const args = (JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8') || '[]') as unknown[]).map((a) =>
          a === null ? undefined : a,
        );
        const fn = db[method as RemoteMethod] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(db, args);
        await opts.afterCall?.(method as RemoteMethod, args, result);
        reply(200, { ok: true, result: result ?? null });
      } catch (err) {
        const e = err as Error;
        reply(200, { ok: false, error: { code: isWarmerError(err) ? err.code : undefined, message: e?.message ?? String(err) } });
      }
    })();
  });
  const listening = await listen(server, opts.port ?? 0, '127.0.0.1');
  return { url: listening.origin, token, close: listening.close };
}

/** The Db port over the dev stack's bridge. Typed errors keep their class. */
export function remoteDb(info: Pick<DevStackInfo, 'dbUrl' | 'token'>): Db {
  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${info.dbUrl}/db/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-warmer-dev-token': info.token },
        body: JSON.stringify(args),
      });
    } catch (err) {
      throw new ConfigError(
        `The dev stack's database bridge at ${info.dbUrl} does not answer (${(err as Error).message}). Is 'npm run dev' still running?`,
      );
    }
    const body = (await response.json()) as { ok: boolean; result?: unknown; error?: { code?: string; message: string } };
    if (!body.ok) throw revive(body.error ?? { message: `bridge answered ${response.status}` });
    return body.result;
  };
  const db: Record<string, unknown> = {
    migrate: async () => [],
    close: async () => undefined,
  };
  for (const method of REMOTE_METHODS) db[method] = (...args: unknown[]) => call(method, args);
  return db as unknown as Db;
}
