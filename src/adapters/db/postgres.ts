/** PostgreSQL through `pg` (DATABASE_URL: self-hosted, or Supabase's direct connection string). */
import { Pool, type PoolClient } from 'pg';
import type { Db } from './port';
import { createRpcDb } from './rpc-db';
import type { Row } from './rows';
import type { SqlClient, SqlSession } from './sql-client';
import { SqlTransport } from './sql-transport';

export interface PostgresDbOptions {
  databaseUrl: string;
  /** Connections kept by the pool; the worker's activity concurrency is the useful upper bound. */
  maxConnections?: number;
  migrationsDir?: string;
  /** Deadlines; a call past one fails (retryably) instead of holding an activity. */
  timeouts?: Partial<PostgresTimeouts>;
}

export interface PostgresTimeouts {
  /** Waiting for a connection (new or from the pool). */
  connectMs: number;
  /** The server cancels a statement running longer (statement_timeout). */
  statementMs: number;
  /** The client gives up on an answer it waited for longer (a silent server or network). */
  queryMs: number;
  /** The server ends a session left idle inside a transaction. */
  idleInTransactionMs: number;
}

export const POSTGRES_TIMEOUTS: Readonly<PostgresTimeouts> = {
  connectMs: 5_000,
  statementMs: 15_000,
  queryMs: 20_000,
  idleInTransactionMs: 30_000,
};

function session(target: Pool | PoolClient): SqlSession {
  return {
    async query(sql, params = []) {
      return (await target.query(sql, params as unknown[])).rows as Row[];
    },
    async exec(script) {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await target.query(script);
    },
  };
}

export function pgSqlClient(pool: Pool): SqlClient {
  return {
    ...session(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // The pool listens for errors only on idle connections: one the server ends while it is checked
      // out here (a failover, a forced drop) fails this transaction instead of crashing the process,
      // and is discarded rather than returned to the pool.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('begin');
        const result = await fn(session(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

export function createPostgresDb(options: PostgresDbOptions): Db {
  const t = { ...POSTGRES_TIMEOUTS, ...options.timeouts };
  const pool = new Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    query_timeout: t.queryMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return createRpcDb(new SqlTransport(pgSqlClient(pool), { migrationsDir: options.migrationsDir }));
}
