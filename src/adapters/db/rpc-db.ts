/**
 * The Db port on top of the SQL functions of supabase/migrations. Drivers only supply the transport
 * (how a function is called): pg and PGlite run `select ... from fn(arg => $1, ...)`, Supabase posts
 * to PostgREST's /rest/v1/rpc/fn. The semantics live in SQL, once.
 */
import type { ChipStatus } from '../../domain/chip';
import { normalizePhone, phoneVariants } from '../../domain/phone';
import { toWarmerError } from './errors';
import { RpcOutbox } from './rpc-outbox';
import { RpcStanding } from './rpc-standing';
import { RpcTurns } from './rpc-turns';
import type {
  AlertRecord,
  ChipHistory,
  ChipRecord,
  ConversationSummary,
  DailySummary,
  Db,
  FleetOverviewRow,
  OperatorAction,
  PartnerCandidate,
  ProviderEventKind,
} from './port';
import {
  type Row,
  toAlertRecord,
  toBoolean,
  toChipDay,
  toChipRecord,
  toConversationSummary,
  toDailySummary,
  toFleetOverviewRow,
  toNumber,
  toOperatorAction,
  toPartnerCandidate,
  toPhaseTransition,
} from './rows';

/** Named arguments of a SQL function; null means "not given" (every optional parameter defaults to null). */
export type RpcArgs = Record<string, string | number | boolean | null | string[] | Record<string, unknown>>;

export interface RpcTransport {
  /** Calls a set-returning function; its rows. */
  rows(fn: string, args: RpcArgs): Promise<Row[]>;
  /** Calls a scalar (or void) function; its value. */
  value(fn: string, args: RpcArgs): Promise<unknown>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Promise.all that lets every read finish before it throws the first refusal: a read left running
 * after the call has answered holds locks its caller no longer expects (a truncate then deadlocks).
 */
async function allSettledOrThrow<T extends readonly unknown[] | []>(reads: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(reads);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

export class RpcDb implements Db {
  private readonly outbox: RpcOutbox;
  private readonly standing: RpcStanding;
  private readonly turns: RpcTurns;

  constructor(private readonly transport: RpcTransport) {
    this.outbox = new RpcOutbox({ rows: (fn, args) => this.rows(fn, args), value: (fn, args) => this.value(fn, args) });
    this.standing = new RpcStanding({ rows: (fn, args) => this.rows(fn, args), value: (fn, args) => this.value(fn, args) });
    this.turns = new RpcTurns({ rows: (fn, args) => this.rows(fn, args), value: (fn, args) => this.value(fn, args) });
  }

  private async rows(fn: string, args: RpcArgs): Promise<Row[]> {
    try {
      return await this.transport.rows(fn, args);
    } catch (err) {
      throw toWarmerError(err);
    }
  }

  private async value(fn: string, args: RpcArgs): Promise<unknown> {
    try {
      return await this.transport.value(fn, args);
    } catch (err) {
      throw toWarmerError(err);
    }
  }

  private async oneChip(fn: string, args: RpcArgs): Promise<ChipRecord> {
    const [row] = await this.rows(fn, args);
    if (!row) throw new Error(`${fn} returned no chip`);
    return toChipRecord(row);
  }

  migrate(): Promise<string[]> {
    return this.transport.migrate();
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  async registerChip(input: { phone: string; instanceName: string; fleetId?: string }): Promise<ChipRecord> {
    const phone = normalizePhone(input.phone);
    return this.oneChip('warmup_register_chip', {
      p_phone: phone,
      p_instance_name: input.instanceName,
      p_fleet_id: input.fleetId ?? null,
    });
  }

  getChip(chipId: string): Promise<ChipRecord> {
    return this.oneChip('warmup_get_chip', { p_chip_id: chipId });
  }

  async findChipByInstance(instanceName: string): Promise<ChipRecord | null> {
    const [row] = await this.rows('warmup_find_chip', { p_instance_name: instanceName, p_phone: null });
    return row ? toChipRecord(row) : null;
  }

  async findChipByPhone(phone: string): Promise<ChipRecord | null> {
    let digits: string;
    try {
      digits = normalizePhone(phone);
    } catch {
      return null; // not a phone, so no chip has it
    }
    // Canonical first; the other form finds a chip stored before phones were canonical.
    for (const variant of phoneVariants(digits)) {
      const [row] = await this.rows('warmup_find_chip', { p_instance_name: null, p_phone: variant });
      if (row) return toChipRecord(row);
    }
    return null;
  }

  async listChips(filter: { status?: ChipStatus; fleetId?: string } = {}): Promise<ChipRecord[]> {
    const rows = await this.rows('warmup_list_chips', { p_status: filter.status ?? null, p_fleet_id: filter.fleetId ?? null });
    return rows.map(toChipRecord);
  }

  promoteChip(input: { chipId: string; from: string; to: string; health: number; replyRate: number; at: string }): Promise<ChipRecord> {
    return this.oneChip('warmup_promote_chip', {
      p_chip_id: input.chipId,
      p_from: input.from,
      p_to: input.to,
      p_health: input.health,
      p_reply_rate: input.replyRate,
      p_at: input.at,
    });
  }

  restartChip(input: { chipId: string; by: string; reason?: string }): Promise<ChipRecord> {
    return this.oneChip('warmup_restart_chip', { p_chip_id: input.chipId, p_by: input.by, p_reason: input.reason ?? null });
  }

  async setChipStatus(input: { chipId: string; status: ChipStatus; reason?: string | null }): Promise<void> {
    await this.value('warmup_set_chip_status', { p_chip_id: input.chipId, p_status: input.status, p_reason: input.reason ?? null });
  }

  async recordHealth(input: { chipId: string; score: number; factors: Record<string, number>; at: string }): Promise<void> {
    await this.value('warmup_record_health', {
      p_chip_id: input.chipId,
      p_score: input.score,
      p_factors: input.factors,
      p_at: input.at,
    });
  }

  async openAlert(input: { chipId: string | null; severity: string; kind: string; message: string; key?: string }): Promise<AlertRecord> {
    const [row] = await this.rows('warmup_open_alert', {
      p_chip_id: input.chipId,
      p_severity: input.severity,
      p_kind: input.kind,
      p_message: input.message,
      p_key: input.key ?? null,
    });
    if (!row) throw new Error('warmup_open_alert returned no alert');
    return toAlertRecord(row);
  }

  async resolveAlerts(input: { chipId?: string | null; kind?: string }): Promise<number> {
    return toNumber(
      await this.value('warmup_resolve_alerts', {
        p_chip_id: input.chipId ?? null,
        // undefined: alerts of any chip; null: fleet-wide alerts only; an id: that chip's alerts.
        p_match_chip: input.chipId !== undefined,
        p_kind: input.kind ?? null,
      }),
    );
  }

  async listAlerts(filter: { open?: boolean; chipId?: string } = {}): Promise<AlertRecord[]> {
    const rows = await this.rows('warmup_list_alerts', { p_open: filter.open ?? null, p_chip_id: filter.chipId ?? null });
    return rows.map(toAlertRecord);
  }

  async createConversation(input: Parameters<Db['createConversation']>[0]): Promise<void> {
    await this.value('warmup_create_conversation', {
      p_id: input.id,
      p_chip_a: input.chipA,
      p_chip_b: input.chipB,
      p_dialogue_id: input.dialogueId,
      p_turns: input.turns,
      p_at: input.at,
      p_day: input.day ?? null,
      p_max_daily_interactions: input.maxDailyInteractions ?? null,
      p_max_partners: input.maxPartners ?? null,
    });
  }

  async partnerCandidates(input: { chipId: string; day: string; maxDailyInteractions: number }): Promise<PartnerCandidate[]> {
    const rows = await this.rows('warmup_partner_candidates_with_standing', {
      p_chip_id: input.chipId,
      p_day: input.day,
      p_max_daily_interactions: input.maxDailyInteractions,
    });
    return rows.map(toPartnerCandidate);
  }

  async ensurePairs(input: { chipId: string; maxPartners: number; seed: number }): Promise<number> {
    return toNumber(
      await this.value('warmup_ensure_pairs', { p_chip_id: input.chipId, p_max_partners: input.maxPartners, p_seed: seedOf(input.seed) }),
    );
  }

  async recordPairInteraction(input: Parameters<Db['recordPairInteraction']>[0]): Promise<void> {
    await this.value('warmup_record_pair_interaction', {
      p_chip_a: input.chipA,
      p_chip_b: input.chipB,
      p_day: input.day,
      p_key: input.key ?? null,
      p_max_daily_interactions: input.maxDailyInteractions ?? null,
    });
  }

  async rotatePairs(input: {
    olderThanDays: number;
    maxPartners: number;
    at: string;
    seed: number;
  }): Promise<{ deactivated: number; created: number }> {
    const [row] = await this.rows('warmup_rotate_pairs', {
      p_older_than_days: input.olderThanDays,
      p_max_partners: input.maxPartners,
      p_at: input.at,
      p_seed: seedOf(input.seed),
    });
    return { deactivated: toNumber(row?.deactivated ?? 0), created: toNumber(row?.created ?? 0) };
  }

  async recordProviderEvent(input: {
    chipId: string;
    kind: ProviderEventKind;
    detail?: string;
    at: string;
    key?: string;
  }): Promise<boolean> {
    return toBoolean(
      await this.value('warmup_record_provider_event', {
        p_chip_id: input.chipId,
        p_kind: input.kind,
        p_detail: input.detail ?? null,
        p_at: input.at,
        p_key: input.key ?? null,
      }),
    );
  }

  async forgetProviderEvent(input: { key: string }): Promise<boolean> {
    return toBoolean(await this.value('warmup_forget_provider_event', { p_key: input.key }));
  }

  async sentMessageExists(input: { chipId: string; providerMessageId: string }): Promise<boolean> {
    return toBoolean(
      await this.value('warmup_sent_message_exists', { p_chip_id: input.chipId, p_provider_message_id: input.providerMessageId }),
    );
  }

  async tripFleetBreaker(input: { fleetId: string; reason: string; at: string }): Promise<boolean> {
    return toBoolean(await this.value('warmup_trip_fleet_breaker', { p_fleet_id: input.fleetId, p_reason: input.reason, p_at: input.at }));
  }

  async closeFleetBreaker(input: { fleetId?: string }): Promise<number> {
    return toNumber(await this.value('warmup_close_fleet_breaker', { p_fleet_id: input.fleetId ?? null }));
  }

  async fleetBreakerOpen(input: { fleetId?: string; chipId?: string }): Promise<boolean> {
    return toBoolean(await this.value('warmup_fleet_breaker_open', { p_fleet_id: input.fleetId ?? null, p_chip_id: input.chipId ?? null }));
  }

  async countProviderEvents(input: Parameters<Db['countProviderEvents']>[0]): Promise<number> {
    return toNumber(
      await this.value('warmup_count_provider_events', {
        p_kinds: input.kinds,
        p_since: input.since,
        p_chip_id: input.chipId ?? null,
        p_distinct_chips: input.distinctChips ?? false,
        p_fleet_id: input.fleetId ?? null,
      }),
    );
  }

  async dailySummary(): Promise<DailySummary> {
    const [row] = await this.rows('warmup_daily_summary', {});
    return toDailySummary(row);
  }

  async ping(): Promise<void> {
    const value = await this.value('warmup_ping', {});
    if (Number(value) !== 1) throw new Error(`warmup_ping answered ${String(value)}`);
  }

  async fleetOverview(input: { fleetId?: string; dayStart: string; dayMs: number; days: number }): Promise<FleetOverviewRow[]> {
    const rows = await this.rows('warmup_console_fleet', {
      p_fleet_id: input.fleetId ?? null,
      p_day_start: input.dayStart,
      p_day_ms: Math.round(input.dayMs),
      p_days: input.days,
    });
    return rows.map(toFleetOverviewRow);
  }

  async chipHistory(input: { chipId: string; dayMs: number; conversations: number }): Promise<ChipHistory> {
    const [days, transitions, conversations, actions] = await allSettledOrThrow([
      this.rows('warmup_console_chip_days', { p_chip_id: input.chipId, p_day_ms: Math.round(input.dayMs) }),
      this.rows('warmup_console_transitions', { p_chip_id: input.chipId }),
      this.recentConversations({ chipId: input.chipId, limit: input.conversations }),
      this.listOperatorActions({ chipId: input.chipId, limit: 50 }),
    ]);
    return {
      days: days.map(toChipDay),
      transitions: transitions.map(toPhaseTransition),
      conversations,
      actions,
    };
  }

  async recentConversations(input: { chipId: string; limit: number }): Promise<ConversationSummary[]> {
    return (await this.rows('warmup_console_conversations', { p_chip_id: input.chipId, p_limit: input.limit })).map(toConversationSummary);
  }

  async recordOperatorAction(input: Parameters<Db['recordOperatorAction']>[0]): Promise<OperatorAction> {
    const [row] = await this.rows('warmup_record_operator_action', {
      p_chip_id: input.chipId,
      p_action: input.action,
      p_actor: input.actor,
      p_reason: input.reason ?? null,
      p_source: input.source,
    });
    if (!row) throw new Error('warmup_record_operator_action returned no row');
    return toOperatorAction(row);
  }

  async listOperatorActions(filter: { chipId?: string; limit?: number } = {}): Promise<OperatorAction[]> {
    const rows = await this.rows('warmup_list_operator_actions', { p_chip_id: filter.chipId ?? null, p_limit: filter.limit ?? 50 });
    return rows.map(toOperatorAction);
  }

  recordEvent = (input: Parameters<Db['recordEvent']>[0]) => this.outbox.recordEvent(input);
  getEvent = (eventId: string) => this.outbox.getEvent(eventId);
  pendingEvents = (filter: Parameters<Db['pendingEvents']>[0]) => this.outbox.pendingEvents(filter);
  recordEventAttempt = (input: Parameters<Db['recordEventAttempt']>[0]) => this.outbox.recordEventAttempt(input);
  markEventDelivered = (input: Parameters<Db['markEventDelivered']>[0]) => this.outbox.markEventDelivered(input);
  recordStanding = (input: Parameters<Db['recordStanding']>[0]) => this.standing.recordStanding(input);
  chipStandings = (input: Parameters<Db['chipStandings']>[0]) => this.standing.chipStandings(input);
  beginTurn = (input: Parameters<Db['beginTurn']>[0]) => this.turns.beginTurn(input);
  completeTurn = (input: Parameters<Db['completeTurn']>[0]) => this.turns.completeTurn(input);
  recordTurnKind = (input: Parameters<Db['recordTurnKind']>[0]) => this.turns.recordTurnKind(input);
  finishConversation = (input: Parameters<Db['finishConversation']>[0]) => this.turns.finishConversation(input);
  confirmAndClaim = (input: Parameters<Db['confirmAndClaim']>[0]) => this.turns.confirmAndClaim(input);
  completeAndFinish = (input: Parameters<Db['completeAndFinish']>[0]) => this.turns.completeAndFinish(input);
  planCandidates = (input: Parameters<Db['planCandidates']>[0]) => this.turns.planCandidates(input);
  unconfirmedTurnPending = (input: Parameters<Db['unconfirmedTurnPending']>[0]) => this.turns.unconfirmedTurnPending(input);
}

/** Seeds travel as bigint; any finite number is accepted and truncated. */
function seedOf(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  return Math.trunc(seed);
}
