/**
 * Supabase (production default): the SQL functions through PostgREST (`POST /rest/v1/rpc/<fn>`)
 * with the service role key, which bypasses row level security. The schema is applied with the
 * Supabase CLI (`supabase db push` applies supabase/migrations), so migrate() applies nothing here.
 */
import { createClient } from '@supabase/supabase-js';
import type { Db } from './port';
import { createRpcDb } from './rpc-db';
import type { RpcArgs, RpcTransport } from './rpc-types';
import type { Row } from './rows';

export interface SupabaseDbOptions {
  url: string;
  serviceRoleKey: string;
  /** Each PostgREST request is abandoned (retryably) after this long. Default 15 s. */
  requestTimeoutMs?: number;
}

export const SUPABASE_REQUEST_TIMEOUT_MS = 15_000;

/** fetch with a deadline, keeping any signal the caller passed; a redirect is never followed (the service key would go with it). */
export function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal, redirect: 'manual' });
  };
}

interface PostgrestErrorShape {
  code?: string;
  message: string;
  details?: string | null;
  hint?: string | null;
}

/** The slice of supabase-js this driver uses (keeps the generated-types machinery out of the way). */
interface RpcClient {
  rpc(fn: string, args: RpcArgs): PromiseLike<{ data: unknown; error: PostgrestErrorShape | null; status: number }>;
}

/** A PostgREST error body as an Error that keeps its fields, for toWarmerError and for logs. */
export class PostgrestFailure extends Error {
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  constructor(
    fn: string,
    readonly status: number,
    body: PostgrestErrorShape,
  ) {
    super(body.message);
    this.name = 'PostgrestFailure';
    this.code = body.code ?? '';
    this.details = body.details ?? null;
    this.hint = body.hint ?? null;
    this.message = `${body.message}`;
    this.stack = `${this.name} (rpc ${fn}, HTTP ${status}): ${body.message}`;
  }
}

/**
 * supabase-js builds its Realtime client eagerly, and on Node 20 (no global WebSocket) that throws
 * unless a transport is given. Warmer never subscribes to Realtime; this transport says so if asked.
 */
class NoRealtimeTransport {
  constructor() {
    throw new Error('Warmer does not use Supabase Realtime.');
  }
}

export class SupabaseTransport implements RpcTransport {
  private readonly client: RpcClient;

  constructor(options: SupabaseDbOptions) {
    this.client = createClient(options.url, options.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: NoRealtimeTransport as never },
      global: { fetch: fetchWithTimeout(options.requestTimeoutMs ?? SUPABASE_REQUEST_TIMEOUT_MS) },
    }) as unknown as RpcClient;
  }

  private async call(fn: string, args: RpcArgs): Promise<unknown> {
    const { data, error, status } = await this.client.rpc(fn, args);
    if (error) throw new PostgrestFailure(fn, status, error);
    return data;
  }

  async rows(fn: string, args: RpcArgs): Promise<Row[]> {
    const data = await this.call(fn, args);
    if (Array.isArray(data)) return data as Row[];
    return data === null || data === undefined ? [] : [data as Row];
  }

  value(fn: string, args: RpcArgs): Promise<unknown> {
    return this.call(fn, args);
  }

  async migrate(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    // supabase-js over HTTP holds no connection to release.
  }
}

export function createSupabaseDb(options: SupabaseDbOptions): Db {
  return createRpcDb(new SupabaseTransport(options));
}
