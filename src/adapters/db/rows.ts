/**
 * Rows as the drivers hand them over (pg and PGlite: Date and numeric strings; PostgREST: JSON
 * strings and numbers) turned into the port's records, so every driver returns the same shapes.
 */
import type { ChipStatus } from '../../domain/chip';
import type { Phase } from '../../domain/phases';
import type {
  AlertRecord,
  AlertSeverity,
  ChipDay,
  ChipRecord,
  ConversationSummary,
  DailySummary,
  FleetOverviewRow,
  OperatorAction,
  OutboundEventPayload,
  OutboundEventRecord,
  OutboundEventType,
  PartnerCandidate,
  PhaseTransition,
} from './port';

export type Row = Record<string, unknown>;

export function toIso(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new TypeError(`Not a timestamp: ${String(value)}`);
  return date.toISOString();
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`Not a number: ${String(value)}`);
  return n;
}

function text(value: unknown): string {
  return String(value);
}

export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toChipRecord(row: Row): ChipRecord {
  return {
    id: text(row.id),
    phone: text(row.telefone),
    instanceName: text(row.instance_name),
    fleetId: text(row.fleet_id),
    status: text(row.status) as ChipStatus,
    phase: text(row.fase_warmup) as Phase,
    phaseStartedAt: toIso(row.fase_iniciada_em),
    healthScore: toNumber(row.health_score),
    messagesSent: toNumber(row.msgs_enviadas_total),
    messagesReceived: toNumber(row.msgs_recebidas_total),
    replyRate: toNumber(row.taxa_resposta),
    pauseReason: textOrNull(row.pause_reason),
    readyAt: toIsoOrNull(row.ready_at),
    createdAt: toIso(row.created_at),
  };
}

export function toAlertRecord(row: Row): AlertRecord {
  return {
    id: text(row.id),
    chipId: textOrNull(row.chip_id),
    severity: text(row.severity) as AlertSeverity,
    kind: text(row.kind),
    message: text(row.message),
    resolved: row.resolved === true || row.resolved === 't',
    createdAt: toIso(row.created_at),
  };
}

export function toPartnerCandidate(row: Row): PartnerCandidate {
  return {
    chipId: text(row.chip_id),
    phone: text(row.phone),
    instanceName: text(row.instance_name),
    phase: text(row.phase) as Phase,
    interactionsToday: toNumber(row.interactions_today),
    ...(row.health === undefined || row.health === null ? {} : { health: toNumber(row.health) }),
    ...(row.quarantined === undefined || row.quarantined === null
      ? {}
      : { quarantined: row.quarantined === true || row.quarantined === 'true' || row.quarantined === 't' }),
  };
}

export function toDailySummary(row: Row | undefined): DailySummary {
  return {
    warming: toNumber(row?.warming ?? 0),
    paused: toNumber(row?.paused ?? 0),
    ready: toNumber(row?.ready ?? 0),
    banned: toNumber(row?.banned ?? 0),
    averageHealth: toNumber(row?.average_health ?? 0),
    openAlerts: toNumber(row?.open_alerts ?? 0),
  };
}

/** jsonb arrives parsed from pg and PostgREST, as text from some paths: accept both. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export function toFleetOverviewRow(row: Row): FleetOverviewRow {
  const days = (json(row.health_days) as [unknown, unknown][] | null) ?? [];
  return {
    chip: toChipRecord(row),
    sentToday: toNumber(row.sent_today),
    receivedToday: toNumber(row.received_today),
    openAlerts: toNumber(row.open_alerts),
    healthDays: days.map(([day, health]) => ({ day: toNumber(day), health: toNumber(health) })),
  };
}

export function toChipDay(row: Row): ChipDay {
  return {
    day: toNumber(row.day),
    sent: toNumber(row.sent),
    received: toNumber(row.received),
    replied: toNumber(row.replied),
    health: row.health === null || row.health === undefined ? null : toNumber(row.health),
  };
}

export function toPhaseTransition(row: Row): PhaseTransition {
  return {
    from: text(row.fase_anterior) as Phase,
    to: text(row.fase_nova) as Phase,
    health: toNumber(row.health_score),
    replyRate: toNumber(row.taxa_resposta),
    at: toIso(row.created_at),
  };
}

export function toConversationSummary(row: Row): ConversationSummary {
  return {
    id: text(row.id),
    partnerId: text(row.partner_id),
    partnerPhone: text(row.partner_phone),
    turns: toNumber(row.turns),
    turnsDelivered: toNumber(row.turns_delivered),
    outcome: textOrNull(row.outcome) as ConversationSummary['outcome'],
    startedAt: toIso(row.started_at),
    completedAt: toIsoOrNull(row.completed_at),
  };
}

export function toOperatorAction(row: Row): OperatorAction {
  return {
    id: text(row.id),
    chipId: textOrNull(row.chip_id),
    action: text(row.action) as OperatorAction['action'],
    actor: text(row.actor),
    reason: textOrNull(row.reason),
    source: text(row.source) as OperatorAction['source'],
    createdAt: toIso(row.created_at),
  };
}

export function toOutboundEvent(row: Row): OutboundEventRecord {
  // PostgREST hands jsonb over parsed; pg and PGlite too, but a string is accepted from any driver.
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as OutboundEventPayload;
  return {
    id: text(row.id),
    type: text(row.type) as OutboundEventType,
    chipId: textOrNull(row.chip_id),
    occurredAt: toIso(row.occurred_at),
    payload,
    createdAt: toIso(row.created_at),
    deliveredAt: toIsoOrNull(row.delivered_at),
    attempts: toNumber(row.attempts),
    lastError: textOrNull(row.last_error),
  };
}

/** Booleans come back as true/false (PostgREST) or 'true'/'false' (the ::text of pg and PGlite). */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 'true' || value === 't';
}
