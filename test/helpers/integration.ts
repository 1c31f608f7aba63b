/**
 * The real activity stack for integration tests: an in-memory embedded database (PGlite), the
 * Evolution adapter talking to the simulator over real HTTP, the built-in dialogue library, a
 * recording notifier, and partner reservation through the real Temporal Update.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { createTemporalChipDirectory } from '../../src/client/chip-directory';
import type { ChipRef, WarmupActivities } from '../../src/activities/types';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import { migratedSnapshot } from './db-snapshot';
import type { Db } from '../../src/adapters/db/port';
import { createPostgresDb, pgSqlClient } from '../../src/adapters/db/postgres';
import { Pool } from 'pg';
import type { SqlClient } from '../../src/adapters/db/sql-client';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import type { Messaging } from '../../src/adapters/messaging/port';
import type { Notification } from '../../src/adapters/notify/port';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator';

export const SIM_API_KEY = 'integration-global-key';

export interface IntegrationStack {
  db: Db;
  /** Raw SQL on the same embedded database, for reading tables the port does not expose. */
  sql: SqlClient;
  sim: Simulator;
  notifications: Notification[];
  activities: WarmupActivities;
  /** The Evolution client on the simulator, as the worker would have it. */
  messaging: Messaging;
  /** Provider message id -> workflow (server) time of the deliverTurn attempt that sent it. */
  sentAtServerMs: Map<string, number>;
  close(): Promise<void>;
}

export async function startIntegrationStack(
  opts: {
    client?: Client;
    simulator?: Partial<SimulatorOptions>;
    /** Real PostgreSQL instead of the embedded database. */ postgresUrl?: string;
  } = {},
): Promise<IntegrationStack> {
  const sql = opts.postgresUrl
    ? pgSqlClient(new Pool({ connectionString: opts.postgresUrl, max: 2 }))
    : openEmbeddedSql(undefined, { snapshot: migratedSnapshot() });
  const db = opts.postgresUrl ? createPostgresDb({ databaseUrl: opts.postgresUrl }) : createEmbeddedDb({ client: sql });
  await db.migrate();
  const sim = await startSimulator({ apiKey: SIM_API_KEY, webhookRetryBaseDelayMs: 5, ...opts.simulator });
  const notifications: Notification[] = [];
  const messaging = createEvolutionClient({ baseUrl: sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 });
  const real = createActivities({
    db,
    messaging,
    notifier: {
      notify: async (n) => {
        notifications.push(n);
      },
    },
    dialogues: createDialogueSource(),
    chips: opts.client
      ? createTemporalChipDirectory(opts.client)
      : {
          reserve: async () => ({ accepted: false, refusal: { reason: 'unknown', message: 'no Temporal in this test' } }),
        },
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    sleep: async () => undefined,
  });
  const sentAtServerMs = new Map<string, number>();
  // Observation only: remembers the workflow time at which each message was sent (activities see
  // real time; the time-skipping server's clock is the one the caps and phases are counted in).
  const scheduledAt = (): number | undefined => {
    try {
      return Context.current().info.currentAttemptScheduledTimestampMs;
    } catch {
      return undefined; // called outside an activity context
    }
  };
  const activities: WarmupActivities = {
    ...real,
    deliverTurn: async (input) => {
      const at = scheduledAt();
      const out = await real.deliverTurn(input);
      if (out.key && at !== undefined) sentAtServerMs.set(out.key.id, at);
      return out;
    },
    // The plan sends each conversation's opening turn.
    planConversation: async (input) => {
      const at = scheduledAt();
      const out = await real.planConversation(input);
      const opening = out.kind === 'planned' ? out.plan.opening : undefined;
      if (opening?.sent && opening.key && at !== undefined) sentAtServerMs.set(opening.key.id, at);
      return out;
    },
  };
  return {
    db,
    sql,
    sim,
    notifications,
    activities,
    messaging,
    sentAtServerMs,
    close: async () => {
      await sim.close();
      await db.close();
      await sql.close();
    },
  };
}

/** Registers `count` chips of `fleetId` in the database and gives each a connected simulator instance. */
export async function registerFleet(stack: IntegrationStack, count: number, fleetId: string, prefix = fleetId): Promise<ChipRef[]> {
  const chips: ChipRef[] = [];
  for (let i = 0; i < count; i++) {
    const phone = `5511${String(Math.abs(hash(`${prefix}-${i}`)) % 1e9).padStart(9, '0')}`;
    const instanceName = `${prefix}-inst-${i}`;
    const record = await stack.db.registerChip({ phone, instanceName, fleetId });
    stack.sim.control.addInstance(instanceName, phone);
    chips.push({ chipId: record.id, phone: record.phone, instanceName: record.instanceName });
  }
  return chips;
}

/** Moves registered chips out of setup in the database, so it lets them send (setup's cap is 0). */
export async function promoteInDb(
  stack: IntegrationStack,
  chips: ChipRef[],
  to: 'primeiros_contatos' | 'expansao' = 'expansao',
): Promise<void> {
  for (const chip of chips) {
    await stack.db.promoteChip({ chipId: chip.chipId, from: 'setup', to, health: 80, replyRate: 0.5, at: new Date().toISOString() });
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h | 0;
}

/** Rows of a query as plain objects, timestamps as epoch ms. */
export async function rows<T extends Record<string, unknown>>(
  sql: { query(text: string, params?: unknown[]): Promise<unknown[]> },
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result = (await sql.query(text, params)) as Record<string, unknown>[];
  return result.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.getTime() : v])) as T);
}

/** Polls until `predicate` holds (real time). */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
