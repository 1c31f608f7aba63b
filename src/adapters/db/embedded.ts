/**
 * The embedded database: PostgreSQL compiled to WebAssembly (PGlite), in-process, for the demo and
 * the tests. With a data directory it persists there; without one it lives in memory.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db } from './port';
import { RpcDb } from './rpc-db';
import type { Row } from './rows';
import { type SqlClient, type SqlSession, SqlTransport } from './sql-client';

export interface EmbeddedDbOptions {
  /** Directory of the database files (created when missing); in memory when absent. */
  dataDir?: string;
  /** An already open instance to use instead (the caller keeps ownership: close() leaves it open). */
  pglite?: PGlite;
  migrationsDir?: string;
}

function session(target: PGlite | Transaction): SqlSession {
  return {
    async query(sql, params = []) {
      return (await target.query<Row>(sql, params as unknown[])).rows;
    },
    async exec(script) {
      await target.exec(script);
    },
  };
}

export function pgliteSqlClient(db: PGlite): SqlClient {
  return {
    ...session(db),
    // PGlite is one connection: a transaction holds it exclusively until it ends.
    transaction: (fn) => db.transaction((tx) => fn(session(tx))),
    close: () => db.close(),
  };
}

export function openPglite(dataDir?: string): PGlite {
  if (!dataDir) return new PGlite();
  mkdirSync(dataDir, { recursive: true });
  return new PGlite(dataDir);
}

export function createEmbeddedDb(options: EmbeddedDbOptions = {}): Db {
  const owned = !options.pglite;
  const pglite = options.pglite ?? openPglite(options.dataDir);
  return new RpcDb(
    new SqlTransport(pgliteSqlClient(pglite), {
      migrationsDir: options.migrationsDir,
      onClose: owned ? () => pglite.close() : async () => undefined,
    }),
  );
}
