/**
 * The little that the pg and PGlite drivers must provide: parameterized queries, scripts, and
 * transactions. Everything else (the port, the migration runner) is written once on top of it.
 */
import type { Row } from './rows';

export interface SqlSession {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (no parameters), e.g. a migration file. */
  exec(script: string): Promise<void>;
}

export interface SqlClient extends SqlSession {
  /** Runs fn on one connection inside a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
