/**
 * The database port: one small port per concern (ports/*.ts), composed. Three drivers implement all of
 * it (Supabase via supabase-js rpc, PostgreSQL via pg, embedded PGlite) on top of the same migrations;
 * every write that must be atomic is one SQL function. Errors are the typed errors of
 * src/domain/errors.ts, whatever the driver.
 *
 * A caller that needs one concern depends on that concern's port, not on Db. A new concern (groups,
 * when the database records them) is one more file in ports/ and one more name in Db.
 */
import type { AlertsPort } from './ports/alerts';
import type { ChipsPort } from './ports/chips';
import type { ConsoleReadsPort } from './ports/console-reads';
import type { FleetBreakerPort } from './ports/fleet-breaker';
import type { GroupsPort } from './ports/groups';
import type { DbLifecycle } from './ports/lifecycle';
import type { OperatorActionsPort } from './ports/operator-actions';
import type { OutboxPort } from './ports/outbox';
import type { PairsPort } from './ports/pairs';
import type { ProfileChecklistPort } from './ports/profile-checklist';
import type { ProviderEventsPort } from './ports/provider-events';
import type { StandingPort } from './ports/standing';
import type { StatusPostsPort } from './ports/status-posts';
import type { TurnsPort } from './ports/turns';

export * from './ports/alerts';
export * from './ports/chips';
export * from './ports/console-reads';
export * from './ports/fleet-breaker';
export * from './ports/groups';
export * from './ports/lifecycle';
export * from './ports/operator-actions';
export * from './ports/outbox';
export * from './ports/pairs';
export * from './ports/profile-checklist';
export * from './ports/provider-events';
export * from './ports/standing';
export * from './ports/status-posts';
export * from './ports/turns';

export interface Db
  extends
    DbLifecycle,
    ChipsPort,
    AlertsPort,
    PairsPort,
    TurnsPort,
    ProviderEventsPort,
    FleetBreakerPort,
    OutboxPort,
    StandingPort,
    ConsoleReadsPort,
    OperatorActionsPort,
    ProfileChecklistPort,
    StatusPostsPort,
    GroupsPort {}
