/**
 * The warm-up program: one table, read by the workflow, the CLI, the Slack summary and docs/warm-up-program.md.
 * Phase names are stored values (database, search attributes): they keep their Portuguese spelling.
 */
import { WarmerError } from './errors';

export const PHASES = ['setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseRule {
  /** Minimum whole days in the phase before promotion. */
  minDays: number;
  /** Minimum health score (0-100) for promotion. */
  minHealth: number;
  /** Minimum reply rate (0-1) for promotion. */
  minReplyRate: number;
  /** Hard limit of messages the chip may send per program day. */
  dailyCap: number;
  /** Hard limit of status posts per program day, apart from the messages (domain/status-rules.ts). */
  dailyStatusCap: number;
  /** Days from the phase's start in which the chip opens no conversation, only answers (domain/receive-first.ts). */
  receiveFirstDays: number;
  next: Phase | null;
  description: string;
}

export const PHASE_TABLE: Readonly<Record<Phase, PhaseRule>> = {
  setup: {
    minDays: 3,
    minHealth: 45,
    minReplyRate: 0,
    dailyCap: 0,
    dailyStatusCap: 0,
    receiveFirstDays: 0,
    next: 'primeiros_contatos',
    description: 'Initial setup, no messages',
  },
  primeiros_contatos: {
    minDays: 4,
    minHealth: 55,
    minReplyRate: 0.5,
    dailyCap: 10,
    dailyStatusCap: 1,
    receiveFirstDays: 1,
    next: 'expansao',
    description: 'First conversations, up to 10 messages/day',
  },
  expansao: {
    minDays: 7,
    minHealth: 70,
    minReplyRate: 0.4,
    dailyCap: 30,
    dailyStatusCap: 2,
    receiveFirstDays: 0,
    next: 'pre_operacao',
    description: 'Gradual growth, up to 30 messages/day',
  },
  pre_operacao: {
    minDays: 7,
    minHealth: 85,
    minReplyRate: 0.35,
    dailyCap: 50,
    dailyStatusCap: 3,
    receiveFirstDays: 0,
    next: 'operacao',
    description: 'Almost ready, up to 50 messages/day',
  },
  operacao: {
    minDays: 0,
    minHealth: 0,
    minReplyRate: 0,
    dailyCap: 100,
    dailyStatusCap: 3,
    receiveFirstDays: 0,
    next: null,
    description: 'Ready for production',
  },
};

/** Total minimum days from setup to operacao (3 + 4 + 7 + 7). */
export const PROGRAM_MIN_DAYS = PHASES.reduce((sum, p) => sum + PHASE_TABLE[p].minDays, 0);

export class UnknownPhase extends WarmerError {
  constructor(readonly phase: string) {
    super('UnknownPhase', `Unknown phase '${phase}'. Valid phases: ${PHASES.join(', ')}.`);
  }
}

export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

export function phaseRule(phase: string): PhaseRule {
  if (!isPhase(phase)) throw new UnknownPhase(phase);
  return PHASE_TABLE[phase];
}

export function dailyCap(phase: string): number {
  return phaseRule(phase).dailyCap;
}

export function formatPercent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

export interface CriteriaResult {
  ok: boolean;
  /** What is still missing, in the operators' shape: `dias: 2/3`, `health: 40/45`, `taxa_resposta: 30%/40%`, `fase_final`. */
  pending: string[];
}

export function checkPhaseCriteria(phase: string, daysInPhase: number, health: number, replyRate: number): CriteriaResult {
  const rule = phaseRule(phase);
  if (!rule.next) return { ok: false, pending: ['fase_final'] };
  const pending: string[] = [];
  if (daysInPhase < rule.minDays) pending.push(`dias: ${daysInPhase}/${rule.minDays}`);
  if (health < rule.minHealth) pending.push(`health: ${health}/${rule.minHealth}`);
  if (replyRate < rule.minReplyRate) pending.push(`taxa_resposta: ${formatPercent(replyRate)}/${formatPercent(rule.minReplyRate)}`);
  return { ok: pending.length === 0, pending };
}

/** Slack emoji of the phase a chip has just entered. */
export const PHASE_EMOJI: Readonly<Record<Phase, string>> = {
  setup: ':gear:',
  primeiros_contatos: ':seedling:',
  expansao: ':herb:',
  pre_operacao: ':deciduous_tree:',
  operacao: ':evergreen_tree:',
};
