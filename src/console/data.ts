/**
 * What the console's pages show, read from the database in one call for the fleet (no workflow query
 * per chip) and, for a chip page, from the chip's own status query while it answers (its history and
 * charts from the database). Rows are built by the functions `warmer fleet` uses (rowFromView,
 * rowFromRecord), so the numbers agree.
 */
import type { Client } from '@temporalio/client';
import { type GroupView, groupViews } from '../presentation/groups';
import { withProfilePending } from './profile-pending';
import type { AlertRecord, ChipDay, ChipHistory, ChipRecord, Db, FleetOverviewRow, ProfileStepRecord } from '../adapters/db/port';
import {
  type FleetRow,
  type RowStanding,
  liveStatus,
  rowFromRecord,
  rowFromView,
  stalledFromAlerts,
  standingOf,
  type WorkflowState,
} from '../client/fleet';
import { chipWorkflowId } from '../domain/chip';
import { programClock, programDay, realAtMinute } from '../domain/clock';
import { dailyCap, PHASE_TABLE, PHASES, type Phase } from '../domain/phases';
import { maskPhone } from '../domain/phone';
import type { ChipStatusView } from '../workflows/api';

export interface ConsoleSettings {
  dayMs: number;
  epochMs: number;
  /** Program days of health each fleet row's sparkline shows. */
  sparklineDays?: number;
}

export interface ConsoleFleetRow extends Omit<FleetRow, 'sentToday' | 'workflow' | 'source'> {
  /** Sent since the start of today's program day, from the database. */
  sentToday: number;
  receivedToday: number;
  healthDays: { day: number; health: number }[];
  /** Markers a chip may carry (paused, stalled, ...), shown beside its status. */
  markers: string[];
  registeredAt: string;
  source: 'database';
}

export interface ConsoleAlert {
  id: string;
  chipId: string | null;
  severity: AlertRecord['severity'];
  kind: string;
  message: string;
  createdAt: string;
}

export interface FleetPageData {
  generatedAt: string;
  fleetId?: string;
  chips: ConsoleFleetRow[];
  byPhase: Record<Phase, number>;
  byStatus: Record<string, number>;
  sentToday: number;
  /** Sum of today's caps of the chips still warming up (warming or paused). */
  capToday: number;
  /** Fleet breaker first, then by severity, newest first. */
  openAlerts: ConsoleAlert[];
}

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

export function sortAlerts(alerts: AlertRecord[]): ConsoleAlert[] {
  return [...alerts]
    .sort(
      (a, b) =>
        Number(b.kind === 'fleet_breaker') - Number(a.kind === 'fleet_breaker') ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        b.createdAt.localeCompare(a.createdAt),
    )
    .map((a) => ({ id: a.id, chipId: a.chipId, severity: a.severity, kind: a.kind, message: a.message, createdAt: a.createdAt }));
}

/** Paused / stalled / quarantine markers: from the status, and from a `stalled` field a newer status view may carry. */
export function markersOf(row: {
  status: string;
  pauseReason: string | null;
  stalled?: unknown;
  quarantine?: string | null;
  capText?: string | null;
}): string[] {
  const markers: string[] = [];
  // The status badge already says paused: the marker says why.
  if (row.status === 'paused' && row.pauseReason) markers.push(row.pauseReason);
  if (row.quarantine) markers.push(`quarentena: ${row.quarantine}`);
  if (row.capText) markers.push(row.capText);
  if (row.stalled === true) markers.push('parado');
  else if (typeof row.stalled === 'string' && row.stalled) markers.push(`parado: ${row.stalled}`);
  return markers;
}

export function consoleRow(
  o: FleetOverviewRow,
  settings: ConsoleSettings,
  nowMs: number,
  stalled: string | null = null,
  standing: RowStanding | null = null,
): ConsoleFleetRow {
  const { workflow: _workflow, ...row } = rowFromRecord(o.chip, {
    dayMs: settings.dayMs,
    nowMs,
    workflow: 'missing',
    openAlerts: o.openAlerts,
    stalled,
    standing,
  });
  return {
    ...row,
    source: 'database',
    sentToday: o.sentToday,
    receivedToday: o.receivedToday,
    healthDays: o.healthDays,
    markers: markersOf({
      status: row.status,
      pauseReason: row.pauseReason,
      stalled: row.stalled,
      quarantine: row.quarantine,
      capText: row.capText,
    }),
    registeredAt: o.chip.createdAt,
  };
}

/** Today's program day (YYYY-MM-DD) on the console's clock. */
export const consoleDay = (settings: ConsoleSettings, nowMs: number) => programDay(programClock(settings.dayMs, settings.epochMs), nowMs);

/** Start of today's program day (São Paulo midnight on the program clock), in real time. */
export function programDayStart(settings: ConsoleSettings, nowMs: number): string {
  return new Date(realAtMinute(programClock(settings.dayMs, settings.epochMs), nowMs, 0)).toISOString();
}

export async function fleetPageData(
  db: Db,
  settings: ConsoleSettings,
  opts: { fleetId?: string; nowMs?: number } = {},
): Promise<FleetPageData> {
  const nowMs = opts.nowMs ?? Date.now();
  const day = consoleDay(settings, nowMs);
  const [overview, alerts, standings] = await Promise.all([
    db.fleetOverview({
      fleetId: opts.fleetId,
      dayStart: programDayStart(settings, nowMs),
      dayMs: settings.dayMs,
      days: settings.sparklineDays ?? 14,
    }),
    db.listAlerts({ open: true }),
    db.chipStandings({ day }),
  ]);
  // A stalled chip is one whose workflow holds an open chip_stalled alert (it opens and resolves it).
  const chips = await withProfilePending(
    db,
    overview.map((o) => consoleRow(o, settings, nowMs, stalledFromAlerts(alerts, o.chip.id), standingOf(standings, o.chip.id, day))),
  );
  const ids = new Set(chips.map((c) => c.chipId));
  const byPhase = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  const byStatus: Record<string, number> = { warming: 0, paused: 0, ready: 0, banned: 0, retired: 0 };
  let sentToday = 0;
  let capToday = 0;
  for (const c of chips) {
    byPhase[c.phase] += 1;
    byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    sentToday += c.sentToday;
    if (c.status === 'warming' || c.status === 'paused') capToday += c.capToday;
  }
  return {
    generatedAt: new Date(nowMs).toISOString(),
    fleetId: opts.fleetId,
    chips,
    byPhase,
    byStatus,
    sentToday,
    capToday,
    openAlerts: sortAlerts(opts.fleetId ? alerts.filter((a) => a.chipId === null || ids.has(a.chipId)) : alerts),
  };
}

export interface ChipDaySeries extends ChipDay {
  phase: Phase;
  cap: number;
  /** Replied / sent since registration, up to this day. */
  replyRate: number;
}

export interface LiveStatus {
  state: WorkflowState;
  closeStatus?: string;
  /** The workflow's status query; newer workflows may add fields (pausedBy, stalled, ...). */
  view?: ChipStatusView & Record<string, unknown>;
}

/**
 * The figures a chip's page shows, all from one source: the workflow's status query when it answers
 * (its state is what the chip decides by: the cap it checks, the health it is promoted on; the database
 * logs health once a program day), the database otherwise. `source` says which; `workflow` says why
 * the database answered. Cards and live panel read the same row, so they cannot disagree.
 */
export interface ChipPageRow extends Omit<FleetRow, 'sentToday'> {
  /** Sent today: the workflow's count, or the database's since the start of today's program day. */
  sentToday: number;
  markers: string[];
  registeredAt: string;
}

export interface ChipPageData {
  row: ChipPageRow;
  chip: { id: string; phone: string; instance: string; fleetId: string; registeredAt: string; readyAt: string | null; workflowId: string };
  days: ChipDaySeries[];
  transitions: (ChipHistory['transitions'][number] & { day: number })[];
  conversations: (Omit<ChipHistory['conversations'][number], 'partnerPhone'> & { partner: string })[];
  actions: ChipHistory['actions'];
  alerts: ConsoleAlert[];
  live: LiveStatus;
  /** The setup's profile checklist as the database keeps it (every step, done or not). */
  profile: ProfileStepRecord[];
  /** Closed groups of the fleet the chip is in (the "Grupos" card). */
  groups: GroupView[];
}

const dayOf = (chip: ChipRecord, iso: string, dayMs: number) =>
  Math.max(0, Math.floor((Date.parse(iso) - Date.parse(chip.createdAt)) / dayMs));

/** Program days from registration to today, each with its phase (from the promotion log) and cap. */
export function daySeries(chip: ChipRecord, history: ChipHistory, dayMs: number, nowMs: number): ChipDaySeries[] {
  const byDay = new Map(history.days.map((d) => [d.day, d]));
  const today = dayOf(chip, new Date(nowMs).toISOString(), dayMs);
  const last = Math.max(today, ...history.days.map((d) => d.day));
  const entered = history.transitions.map((t) => ({ day: dayOf(chip, t.at, dayMs), phase: t.to }));
  const first: Phase = history.transitions[0]?.from ?? chip.phase;
  const series: ChipDaySeries[] = [];
  let sent = 0;
  let replied = 0;
  for (let day = 0; day <= last; day++) {
    const d = byDay.get(day) ?? { day, sent: 0, received: 0, replied: 0, health: null };
    sent += d.sent;
    replied += d.replied;
    const phase = [...entered].reverse().find((e) => e.day <= day)?.phase ?? first;
    series.push({ ...d, phase, cap: dailyCap(phase), replyRate: sent === 0 ? 0 : Math.min(1, replied / sent) });
  }
  return series;
}

export async function chipPageData(
  client: Client | null,
  db: Db,
  chip: ChipRecord,
  settings: ConsoleSettings,
  nowMs = Date.now(),
): Promise<ChipPageData> {
  const day = consoleDay(settings, nowMs);
  const [overview, history, alerts, live, standings, profile, groups] = await Promise.all([
    db.fleetOverview({
      fleetId: chip.fleetId,
      dayStart: programDayStart(settings, nowMs),
      dayMs: settings.dayMs,
      days: settings.sparklineDays ?? 14,
    }),
    db.chipHistory({ chipId: chip.id, dayMs: settings.dayMs, conversations: 20 }),
    db.listAlerts({ open: true, chipId: chip.id }),
    client
      ? liveStatus(client, chip.id, 3_000).catch((): LiveStatus => ({ state: 'unanswered' }))
      : Promise.resolve<LiveStatus>({ state: 'unanswered' }),
    db.chipStandings({ day }),
    db.profileChecklist({ chipId: chip.id }),
    db.chipGroups({ chipId: chip.id }),
  ]);
  const own = overview.find((o) => o.chip.id === chip.id) ?? {
    chip,
    sentToday: 0,
    receivedToday: 0,
    openAlerts: alerts.length,
    healthDays: [],
  };
  const state = live as LiveStatus;
  const row = state.view
    ? pageRowFromView(chip, state.view, alerts.length)
    : pageRowFromDatabase(own, settings, nowMs, state.state, stalledFromAlerts(alerts, chip.id), standingOf(standings, chip.id, day));
  const days = daySeries(chip, history, settings.dayMs, nowMs);
  // Today's health point is the figure the cards show (the database logs health once a program day).
  const today = days[days.length - 1];
  if (today && row.source === 'workflow') today.health = row.health;
  return {
    row,
    chip: {
      id: chip.id,
      phone: maskPhone(chip.phone),
      instance: chip.instanceName,
      fleetId: chip.fleetId,
      registeredAt: chip.createdAt,
      readyAt: chip.readyAt,
      workflowId: chipWorkflowId(chip.id),
    },
    days,
    transitions: history.transitions.map((t) => ({ ...t, day: dayOf(chip, t.at, settings.dayMs) })),
    conversations: history.conversations.map(({ partnerPhone, ...c }) => ({ ...c, partner: maskPhone(partnerPhone) })),
    actions: history.actions,
    alerts: sortAlerts(alerts),
    live: state,
    profile,
    groups: groupViews(groups, chip.id),
  };
}

/** The page's figures from the workflow's status query. */
export function pageRowFromView(chip: ChipRecord, view: ChipStatusView, openAlerts: number): ChipPageRow {
  const row = rowFromView(chip, view, openAlerts);
  return {
    ...row,
    sentToday: view.sentToday,
    markers: markersOf({
      status: row.status,
      pauseReason: row.pauseReason,
      stalled: row.stalled,
      quarantine: row.quarantine,
      capText: row.capText,
    }),
    registeredAt: chip.createdAt,
  };
}

/** The page's figures from the database, when the workflow has ended, was never started or did not answer. */
export function pageRowFromDatabase(
  o: FleetOverviewRow,
  settings: ConsoleSettings,
  nowMs: number,
  workflow: WorkflowState,
  stalled: string | null,
  standing: RowStanding | null,
): ChipPageRow {
  const { receivedToday: _received, healthDays: _health, ...row } = consoleRow(o, settings, nowMs, stalled, standing);
  return { ...row, workflow };
}

/** Minimum days of each phase: "day x of y" on the pages. */
export const phaseMinDays = (phase: Phase) => PHASE_TABLE[phase].minDays;
