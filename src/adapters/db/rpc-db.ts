/**
 * The Db port on top of the SQL functions of supabase/migrations. Drivers only supply the transport
 * (how a function is called): pg and PGlite run `select ... from fn(arg => $1, ...)`, Supabase posts
 * to PostgREST's /rest/v1/rpc/fn. The semantics live in SQL, once; each concern's port is built over
 * the same calls (rpc-*.ts) and Db is their union.
 */
import { toWarmerError } from './errors';
import type { Db } from './port';
import { rpcAlerts, rpcChips } from './rpc-chips';
import { rpcConsoleReads, rpcOperatorActions } from './rpc-console';
import { rpcGroups } from './rpc-groups';
import { rpcOutbox } from './rpc-outbox';
import { rpcPairs } from './rpc-pairs';
import { rpcProfileChecklist } from './rpc-profile-checklist';
import { rpcFleetBreaker, rpcProviderEvents } from './rpc-provider-events';
import { rpcStanding } from './rpc-standing';
import { rpcStatusPosts } from './rpc-status-posts';
import { rpcTurns } from './rpc-turns';
import type { RpcCalls, RpcTransport } from './rpc-types';

/** The transport's calls with the drivers' errors turned into the typed errors of src/domain/errors.ts. */
function typedErrors(transport: RpcTransport): RpcCalls {
  return {
    async rows(fn, args) {
      try {
        return await transport.rows(fn, args);
      } catch (err) {
        throw toWarmerError(err);
      }
    },
    async value(fn, args) {
      try {
        return await transport.value(fn, args);
      } catch (err) {
        throw toWarmerError(err);
      }
    },
  };
}

export function createRpcDb(transport: RpcTransport): Db {
  const calls = typedErrors(transport);
  return {
    migrate: () => transport.migrate(),
    close: () => transport.close(),
    async ping() {
      const value = await calls.value('warmup_ping', {});
      if (Number(value) !== 1) throw new Error(`warmup_ping answered ${String(value)}`);
    },
    ...rpcChips(calls),
    ...rpcAlerts(calls),
    ...rpcPairs(calls),
    ...rpcTurns(calls),
    ...rpcProviderEvents(calls),
    ...rpcFleetBreaker(calls),
    ...rpcOutbox(calls),
    ...rpcStanding(calls),
    ...rpcConsoleReads(calls),
    ...rpcOperatorActions(calls),
    ...rpcProfileChecklist(calls),
    ...rpcStatusPosts(calls),
    ...rpcGroups(calls),
  };
}
