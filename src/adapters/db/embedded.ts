/**
 * The embedded database: PostgreSQL compiled to WebAssembly (PGlite), for the demo and the tests.
 * With a data directory it persists there; without one it lives in memory.
 *
 * PGlite runs in a worker thread: its queries are synchronous WebAssembly work that would otherwise
 * stall the Temporal worker's event loop, and its loader uses dynamic import(), which Jest's module
 * sandbox refuses (a worker thread loads it as plain Node does).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './port';
import { createRpcDb } from './rpc-db';
import type { Row } from './rows';
import type { SqlClient, SqlSession } from './sql-client';
import { SqlTransport } from './sql-transport';

export interface EmbeddedDbOptions {
  /** Directory of the database files (created when missing); in memory when absent. */
  dataDir?: string;
  /** An already open client (see openEmbeddedSql) to use instead; the caller keeps ownership. */
  client?: SqlClient;
  migrationsDir?: string;
}

type Request = { id: number; op: 'query' | 'exec' | 'close' | 'snapshot'; sql?: string; params?: unknown[]; file?: string };
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> };

// Plain CommonJS, evaluated by the worker thread. Errors cross back with their SQLSTATE and details.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { PGlite } = require(workerData.pglitePath);
if (workerData.dataDir) mkdirSync(workerData.dataDir, { recursive: true });
const options = workerData.dataDir ? { dataDir: workerData.dataDir } : {};
if (workerData.snapshot) options.loadDataDir = new Blob([readFileSync(workerData.snapshot)]);
const ready = PGlite.create(options);
ready.catch(() => undefined);
parentPort.on('message', async (msg) => {
  try {
    const db = await ready;
    let result = null;
    if (msg.op === 'query') result = (await db.query(msg.sql, msg.params)).rows;
    else if (msg.op === 'exec') await db.exec(msg.sql);
    else if (msg.op === 'close') await db.close();
    else if (msg.op === 'snapshot') {
      writeFileSync(msg.file + '.part', Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
      renameSync(msg.file + '.part', msg.file);
    }
    parentPort.postMessage({ id: msg.id, ok: true, result });
  } catch (err) {
    const e = err || {};
    const error = { message: String(e.message || err) };
    for (const k of ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'severity', 'where']) {
      if (typeof e[k] === 'string') error[k] = e[k];
    }
    parentPort.postMessage({ id: msg.id, ok: false, error });
  }
});
`;

/** An error from the embedded database, carrying the fields pg errors carry (code, detail, ...). */
export class EmbeddedDbError extends Error {
  readonly code?: string;
  readonly detail?: string;
  constructor(fields: Record<string, unknown>) {
    super(String(fields.message));
    this.name = 'EmbeddedDbError';
    Object.assign(this, fields);
  }
}

/** An embedded database's client, which can also write a snapshot of its data directory. */
export interface EmbeddedSqlClient extends SqlClient {
  /** Writes the whole data directory to `file` (a tarball), from which openEmbeddedSql can start. */
  snapshot(file: string): Promise<void>;
}

/**
 * Opens an embedded database in its own worker thread, as a SqlClient. `snapshot` names a file that
 * snapshot() wrote: the database starts as that one was (PostgreSQL's initdb, the slow part of a
 * start, is skipped), in memory unless `dataDir` is given.
 */
export function openEmbeddedSql(dataDir?: string, opts: { snapshot?: string } = {}): EmbeddedSqlClient {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      pglitePath: require.resolve('@electric-sql/pglite'),
      dataDir: dataDir ? path.resolve(dataDir) : undefined,
      snapshot: opts.snapshot ? path.resolve(opts.snapshot) : undefined,
    },
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;

  const failAll = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new EmbeddedDbError(reply.error));
  });
  worker.on('error', (err) => failAll(err instanceof Error ? err : new Error(String(err))));
  worker.on('exit', (code) => failAll(new Error(`The embedded database stopped (worker exit code ${code}).`)));

  const send = (request: Omit<Request, 'id'>): Promise<unknown> => {
    if (dead) return Promise.reject(dead);
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const direct: SqlSession = {
    query: async (sql, params = []) => (await send({ op: 'query', sql, params })) as Row[],
    exec: async (sql) => {
      await send({ op: 'exec', sql });
    },
  };

  // One connection: a transaction must not interleave with other statements, so everything queues here.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  let closing: Promise<void> | undefined;
  return {
    query: (sql, params) => exclusive(() => direct.query(sql, params)),
    exec: (sql) => exclusive(() => direct.exec(sql)),
    transaction: (fn) =>
      exclusive(async () => {
        await direct.exec('begin');
        try {
          const result = await fn(direct);
          await direct.exec('commit');
          return result;
        } catch (err) {
          await direct.exec('rollback').catch(() => undefined);
          throw err;
        }
      }),
    snapshot: async (file) => {
      await exclusive(() => send({ op: 'snapshot', file: path.resolve(file) }));
    },
    close: () =>
      (closing ??= exclusive(async () => {
        await send({ op: 'close' }).catch(() => undefined);
        await worker.terminate();
      })),
  };
}

export function createEmbeddedDb(options: EmbeddedDbOptions = {}): Db {
  const client = options.client ?? openEmbeddedSql(options.dataDir);
  return createRpcDb(
    new SqlTransport(client, {
      migrationsDir: options.migrationsDir,
      onClose: options.client ? async () => undefined : () => client.close(),
    }),
  );
}

/** True when `dataDir` holds an embedded database (PostgreSQL writes PG_VERSION when it creates one). */
export function embeddedDbExists(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}
