/** How the port's implementation reaches the SQL functions, whatever the driver underneath. */
import type { Row } from './rows';

/** Named arguments of a SQL function; null means "not given" (every optional parameter defaults to null). */
export type RpcArgs = Record<string, string | number | boolean | null | string[] | Record<string, unknown>>;

/** Calls to the SQL functions; what each concern's implementation (rpc-*.ts) is built on. */
export interface RpcCalls {
  /** Calls a set-returning function; its rows. */
  rows(fn: string, args: RpcArgs): Promise<Row[]>;
  /** Calls a scalar (or void) function; its value. */
  value(fn: string, args: RpcArgs): Promise<unknown>;
}

/** What a driver supplies: the calls, and the schema and connection it owns. */
export interface RpcTransport extends RpcCalls {
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}
