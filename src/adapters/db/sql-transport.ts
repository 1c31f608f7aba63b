/** The SQL functions called over a SqlClient (pg or PGlite): the transport under createRpcDb. */
import { applyMigrations, findMigrationsDir } from './migrate';
import type { Row } from './rows';
import type { RpcArgs, RpcTransport } from './rpc-types';
import type { SqlClient } from './sql-client';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function call(fn: string, args: RpcArgs): { sql: string; params: unknown[] } {
  if (!IDENTIFIER.test(fn)) throw new Error(`Not a SQL function name: ${fn}`);
  const names = Object.keys(args);
  const params = names.map((name) => {
    if (!IDENTIFIER.test(name)) throw new Error(`Not a SQL parameter name: ${name}`);
    const value = args[name];
    // jsonb arguments travel as JSON text; arrays as arrays (text[]).
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : value;
  });
  return { sql: `${fn}(${names.map((name, i) => `${name} => $${i + 1}`).join(', ')})`, params };
}

/** Calls the SQL functions over a SqlClient; migrations come from supabase/migrations. */
export class SqlTransport implements RpcTransport {
  constructor(
    private readonly client: SqlClient,
    private readonly options: { migrationsDir?: string; onClose?: () => Promise<void> } = {},
  ) {}

  rows(fn: string, args: RpcArgs): Promise<Row[]> {
    const { sql, params } = call(fn, args);
    return this.client.query(`select * from ${sql}`, params);
  }

  async value(fn: string, args: RpcArgs): Promise<unknown> {
    const { sql, params } = call(fn, args);
    // ::text keeps void results parseable by every driver; numbers are read back with Number().
    const [row] = await this.client.query(`select ${sql}::text as value`, params);
    return row?.value ?? null;
  }

  migrate(): Promise<string[]> {
    return applyMigrations(this.client, this.options.migrationsDir ?? findMigrationsDir());
  }

  async close(): Promise<void> {
    await (this.options.onClose ? this.options.onClose() : this.client.close());
  }
}
