/**
 * The operator's view of the whole fleet: one row per registered chip, live from its workflow's
 * status query while it runs, from the database once it has ended. And the way back after the fleet
 * breaker: resolve its alert and lift the breaker's pauses (an operator's own pauses stay).
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { AlertRecord, ChipRecord, ChipStandingRecord, Db } from '../adapters/db/port';
import { describeCap } from '../domain/ramp';
import { chipWorkflowId } from '../domain/chip';
import { daysBetween, programClock, programDay, REAL_DAY_MS } from '../domain/clock';
import { checkPhaseCriteria, dailyCap, type Phase } from '../domain/phases';
import { maskPhone } from '../domain/phone';
import type { ChipStatus } from '../domain/chip';
import { type ChipStatusView, resumeSignal, statusQuery } from '../workflows/api';

/** How long one status query may wait for a worker to answer before the row falls back to the database. */
export const STATUS_QUERY_TIMEOUT_MS = 5_000;
const PARALLEL_LOOKUPS = 16;

export type WorkflowState = 'running' | 'closed' | 'missing' | 'unanswered';

export interface FleetRow {
  chipId: string;
  /** Masked: last 4 digits only. */
  phone: string;
  instance: string;
  fleetId: string;
  phase: Phase;
  dayInPhase: number;
  health: number;
  /** 0..1 */
  replyRate: number;
  /** null when only the database answered (it keeps totals, not per-day counts). */
  sentToday: number | null;
  /** The phase's cap. */
  cap: number;
  /** Today's effective cap (the adaptive ramp's), and the line that says why ("cap hoje 22/30: reduzido por ..."). */
  capToday: number;
  capText: string | null;
  /** Why the chip is in quarantine (it pairs only with quarantined chips), or null. */
  quarantine: string | null;
  status: ChipStatus;
  /** Why the chip is paused, retired or banned. */
  pauseReason: string | null;
  /** Who paused it (operator, early_warning, fleet_breaker, provider); null when not paused or unknown. */
  pausedBy: string | null;
  /** Why the chip has had no conversation for a whole program day although it may send; null otherwise. */
  stalled: string | null;
  /** What the chip still needs for promotion (checkPhaseCriteria's shape); empty once it has ended. */
  pending: string[];
  /** Where the values come from: the running workflow, or the database when it is not running or not answering. */
  source: 'workflow' | 'database';
  workflow: WorkflowState;
  openAlerts: number;
}

export interface FleetView {
  chips: FleetRow[];
  /** Every open alert, fleet-wide ones (chipId null, e.g. the fleet breaker) included. */
  openAlerts: (Omit<AlertRecord, 'chipId'> & { chipId: string | null })[];
}

export interface FleetOptions {
  /** Real ms per program day (config.program.dayMs), for the database fallback's day-in-phase. */
  dayMs?: number;
  now?: () => number;
  queryTimeoutMs?: number;
  /** The program clock's origin (config.program.epochMs), for today's program day of the database's standings. */
  epochMs?: number;
  /** The fleet's standings (listFleet reads them once). */
  standings?: ChipStandingRecord[];
}

/** Today's program day on the operator's clock. */
export function todayOf(opts: FleetOptions, nowMs: number): string {
  return programDay(programClock(opts.dayMs ?? REAL_DAY_MS, opts.epochMs), nowMs);
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Whether the chip's workflow runs, has closed (and how), or was never started. No worker needed. */
export async function workflowState(
  client: Client,
  chipId: string,
): Promise<{ state: 'running' | 'closed' | 'missing'; closeStatus?: string }> {
  try {
    const description = await client.workflow.getHandle(chipWorkflowId(chipId)).describe();
    return description.status.name === 'RUNNING' ? { state: 'running' } : { state: 'closed', closeStatus: description.status.name };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { state: 'missing' };
    throw err;
  }
}

/** The workflow's live view, or why there is none. Never waits longer than `timeoutMs` for a worker. */
export async function liveStatus(
  client: Client,
  chipId: string,
  timeoutMs = STATUS_QUERY_TIMEOUT_MS,
): Promise<{ state: WorkflowState; view?: ChipStatusView; closeStatus?: string }> {
  const handle = client.workflow.getHandle(chipWorkflowId(chipId));
  const described = await workflowState(client, chipId);
  if (described.state !== 'running') return described;
  try {
    // A query needs a worker to answer; without one it would wait for the whole RPC timeout.
    const view = await client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery));
    return { state: 'running', view };
  } catch {
    return { state: 'unanswered' };
  }
}

/** A row from the database alone (the workflow has ended, or no worker answered). */
export function rowFromRecord(
  chip: ChipRecord,
  opts: {
    dayMs: number;
    nowMs: number;
    workflow: WorkflowState;
    openAlerts: number;
    stalled?: string | null;
    /** What the database keeps of the chip's adaptive ramp and quarantine (standingOf), when it has any. */
    standing?: RowStanding | null;
  },
): FleetRow {
  const dayInPhase = daysBetween(programClock(opts.dayMs), Date.parse(chip.phaseStartedAt), opts.nowMs);
  const ended = chip.status === 'ready' || chip.status === 'banned' || chip.status === 'retired';
  return {
    chipId: chip.id,
    phone: maskPhone(chip.phone),
    instance: chip.instanceName,
    fleetId: chip.fleetId,
    phase: chip.phase,
    dayInPhase,
    health: chip.healthScore,
    replyRate: chip.replyRate,
    sentToday: null,
    cap: dailyCap(chip.phase),
    capToday: opts.standing?.capToday ?? dailyCap(chip.phase),
    capText: opts.standing?.capText ?? null,
    quarantine: opts.standing?.quarantine ?? null,
    status: chip.status,
    pauseReason: chip.pauseReason,
    pausedBy: null,
    stalled: opts.stalled ?? null,
    pending: ended ? [] : checkPhaseCriteria(chip.phase, dayInPhase, chip.healthScore, chip.replyRate).pending,
    source: 'database',
    workflow: opts.workflow,
    openAlerts: opts.openAlerts,
  };
}

export function rowFromView(chip: ChipRecord, view: ChipStatusView, openAlerts: number): FleetRow {
  return {
    chipId: chip.id,
    phone: maskPhone(chip.phone),
    instance: chip.instanceName,
    fleetId: chip.fleetId,
    phase: view.phase,
    dayInPhase: view.dayInPhase,
    health: view.health,
    replyRate: view.replyRate,
    sentToday: view.sentToday,
    cap: view.cap,
    // Views of chips started by an older release may lack the newer fields.
    capToday: view.capToday ?? view.cap,
    capText: view.capReason ? view.capText : null,
    quarantine: view.quarantine ?? null,
    status: view.status,
    pauseReason: view.statusReason ?? null,
    pausedBy: view.pausedBy ?? null,
    stalled: view.stalled?.reason ?? null,
    pending: view.status === 'warming' || view.status === 'paused' ? view.pending : [],
    source: 'workflow',
    workflow: 'running',
    openAlerts,
  };
}

export interface RowStanding {
  capToday: number;
  capText: string | null;
  quarantine: string | null;
}

/** A database row's cap and quarantine from warmup_chip_standings (chips absent from it: none). */
export function standingOf(standings: ChipStandingRecord[], chipId: string, day: string): RowStanding | null {
  const s = standings.find((x) => x.chipId === chipId);
  if (!s) return null;
  const cap = describeCap(s.capToday, s.phaseCap, { reason: s.rampReason, signDay: s.rampDay }, day);
  return {
    capToday: s.capToday,
    capText: cap.reason ? cap.text : null,
    quarantine: s.quarantined ? (s.quarantineReason ?? 'em quarentena') : null,
  };
}

/** The stall the chip's workflow recorded as an open chip_stalled alert, for rows read from the database. */
export function stalledFromAlerts(alerts: AlertRecord[], chipId: string): string | null {
  return alerts.find((a) => a.chipId === chipId && a.kind === 'chip_stalled' && !a.resolved)?.message ?? null;
}

export async function fleetRow(client: Client, chip: ChipRecord, alerts: AlertRecord[], opts: FleetOptions = {}): Promise<FleetRow> {
  const openAlerts = alerts.filter((a) => a.chipId === chip.id).length;
  const live = await liveStatus(client, chip.id, opts.queryTimeoutMs);
  if (live.view) return rowFromView(chip, live.view, openAlerts);
  const stalled = stalledFromAlerts(alerts, chip.id);
  const nowMs = (opts.now ?? Date.now)();
  return rowFromRecord(chip, {
    dayMs: opts.dayMs ?? REAL_DAY_MS,
    nowMs,
    workflow: live.state,
    openAlerts,
    stalled,
    standing: opts.standings ? standingOf(opts.standings, chip.id, todayOf(opts, nowMs)) : null,
  });
}

/** One row per chip registered in the database, oldest first. */
export async function listFleet(client: Client, db: Db, opts: FleetOptions & { fleetId?: string } = {}): Promise<FleetView> {
  const [chips, alerts, standings] = await Promise.all([
    db.listChips(opts.fleetId ? { fleetId: opts.fleetId } : undefined),
    db.listAlerts({ open: true }),
    db.chipStandings({ day: todayOf(opts, (opts.now ?? Date.now)()) }),
  ]);
  const rows = await mapLimited(chips, PARALLEL_LOOKUPS, (chip) => fleetRow(client, chip, alerts, { ...opts, standings }));
  return { chips: rows, openAlerts: alerts.map((a) => ({ ...a })) };
}

export interface FleetResumeOutcome {
  resolvedAlerts: number;
  /** Chips whose workflow was told to lift a breaker pause. */
  signalled: number;
}

/** The fleet a breaker alert is about: the fleet of the chip it hangs on; null for a fleet-wide alert. */
async function alertFleet(db: Db, alert: AlertRecord): Promise<string | null> {
  return alert.chipId ? (await db.getChip(alert.chipId)).fleetId : null;
}

/**
 * After the fleet breaker: resolves its open alerts and sends resume {by: 'fleet_breaker'} to every chip
 * still warming up (of `fleetId` only, when given). The workflow lifts only the breaker's own pauses, so
 * an operator's pause or an early-warning pause stays; warming chips are included because the database
 * learns of a pause one activity after the workflow does.
 */
export async function resumeFleet(client: Client, db: Db, opts: { fleetId?: string } = {}): Promise<FleetResumeOutcome> {
  let resolvedAlerts = 0;
  for (const alert of (await db.listAlerts({ open: true })).filter((a) => a.kind === 'fleet_breaker')) {
    const fleet = opts.fleetId ? await alertFleet(db, alert) : null;
    // An alert on no chip cannot be told apart by fleet: any resume clears it.
    if (opts.fleetId && fleet !== null && fleet !== opts.fleetId) continue;
    resolvedAlerts += await db.resolveAlerts({ chipId: alert.chipId, kind: 'fleet_breaker' });
  }
  // Closed before the resumes, so a resumed chip's next plan is not refused by the open breaker.
  await db.closeFleetBreaker({ fleetId: opts.fleetId });
  const filter = opts.fleetId ? { fleetId: opts.fleetId } : {};
  const chips = [...(await db.listChips({ status: 'paused', ...filter })), ...(await db.listChips({ status: 'warming', ...filter }))];
  const results = await mapLimited(chips, PARALLEL_LOOKUPS, async (chip) => {
    try {
      await client.workflow.getHandle(chipWorkflowId(chip.id)).signal(resumeSignal, { by: 'fleet_breaker' });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false; // its warm-up is over: nothing to resume
      throw err;
    }
  });
  return { resolvedAlerts, signalled: results.filter(Boolean).length };
}
