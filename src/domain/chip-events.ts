/**
 * What goes in and out of the chip's state machine (chip-machine.ts): the provider facts it is told,
 * the effects it asks the workflow to perform, and the shapes of the cycle's steps.
 */
import type { ConversationReport, PlanMiss } from './chip-state';
import type { Phase } from './phases';

export const MAX_TURNS = 12;
export const MIN_TURNS = 4;

export type ChipEffect =
  | { kind: 'alert'; severity: 'warning' | 'critical'; alertKind: string; message: string; key: string }
  | { kind: 'resolve_alert'; alertKind: string }
  | { kind: 'abort_conversation'; conversationId: string; reason: string };

/** A provider fact forwarded by the webhook receiver. */
export interface ProviderFact {
  /**
   * `unconfirmed_ban`: a ban report the provider's own connection state contradicted (a warning sign
   * only); `repeated_calls`: calls from outside the fleet repeat (a mild warning sign).
   */
  kind: 'inbound' | 'delivery_failed' | 'disconnected' | 'logged_out' | 'banned' | 'connected' | 'unconfirmed_ban' | 'repeated_calls';
  atMs: number;
  detail?: string;
  /** Stable id of the provider event: a repeat is ignored. */
  eventId?: string;
}

export interface Promotion {
  from: Phase;
  to: Phase;
  health: number;
  replyRate: number;
}

export type ConversationStep =
  | {
      kind: 'converse';
      maxTurns: number;
      leaseMs: number;
      topUpPairs: boolean;
      paceScale: number;
      /** The chip is in quarantine: only quarantined partners (domain/quarantine.ts). */
      quarantined: boolean;
    }
  | { kind: 'skip' };

/** What the database keeps of the chip's adaptive ramp and quarantine (warmup_record_standing). */
export interface ChipStanding {
  rampLevel: number;
  /** Program day of the last warning sign (null: no ramp). */
  rampDay: string | null;
  rampReason: string | null;
  quarantined: boolean;
  quarantineReason: string | null;
  /** Today's effective cap and the phase cap, for the event and the log. */
  capToday: number;
  phaseCap: number;
}

export type ConversationOutcome =
  | { kind: 'held'; report: ConversationReport }
  | { kind: 'missed'; reason: PlanMiss }
  | { kind: 'skipped' }
  | { kind: 'failed'; conversationId: string };

/** How a stall alert says why the chip found nobody to talk to (pt-BR: it goes to Slack). */
export const PLAN_MISS_TEXT: Record<PlanMiss | 'unknown', string> = {
  no_partners: 'nenhum parceiro ativo na frota',
  partners_unavailable: 'nenhum parceiro livre (ocupados, pausados ou fora da janela)',
  partners_capped: 'parceiros no limite diário',
  no_dialogue: 'nenhum diálogo disponível',
  quarantined: 'em quarentena e nenhum parceiro em quarentena livre',
  planner_error: 'falha ao planejar conversas (banco ou Temporal indisponível)',
  unknown: 'nenhuma conversa possível',
};
