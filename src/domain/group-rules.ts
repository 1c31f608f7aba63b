/**
 * Closed groups of the fleet: small WhatsApp groups (3 to 6 members) made only of warming or ready
 * chips of one fleet, from `expansao` on. A chip's converse step sometimes holds a group conversation
 * instead of a one-to-one one (GROUP_SHARE); each member's turns count against its own daily cap.
 * Pure rules shared by the workflow, the activities, the forecast and the console.
 */
import type { ChipStatus } from './chip';
import type { Phase } from './phases';
import { type Random, pickOne, shuffle } from './random';

export const GROUP_SIZE = { min: 3, max: 6 } as const;

/** Share of a chip's conversation slots held in its group, per phase (none before expansao). */
export const GROUP_SHARE: Readonly<Record<Phase, number>> = {
  setup: 0,
  primeiros_contatos: 0,
  expansao: 0.25,
  pre_operacao: 0.3,
  operacao: 0.3,
};

/**
 * Members reserved to speak besides the one that opens a group conversation. Each costs a reservation
 * (an Update) and a report (a signal): one keeps a group conversation's cost per message that of a
 * one-to-one one; over a day the turns still go round the group.
 */
export const GROUP_OTHER_SPEAKERS = 1;

/** Chance that planning a group conversation first changes the group's membership (one add or remove). */
export const MEMBERSHIP_CHANGE_CHANCE = 0.1;

/** Phases whose chips may be group members. */
export function mayJoinGroups(phase: Phase | string): boolean {
  return (GROUP_SHARE as Record<string, number>)[phase] !== undefined && (GROUP_SHARE as Record<string, number>)[phase]! > 0;
}

/** Statuses a chip may join a group with: warming chips talk, ready ones are quiet members. */
export function mayJoinGroup(status: ChipStatus | string): boolean {
  return status === 'warming' || status === 'ready';
}

/** A paused chip stays in its groups, silent until it resumes; a banned or retired one leaves them. */
export function mayStayInGroup(status: ChipStatus | string): boolean {
  return mayJoinGroup(status) || status === 'paused';
}

/**
 * Whether this slot's conversation is held in the chip's group: never in quarantine (a quarantined chip
 * does not post where healthy chips are), otherwise drawn against the phase's share.
 */
export function chooseGroupConversation(phase: Phase, quarantined: boolean, random: Random): boolean {
  const share = GROUP_SHARE[phase];
  if (share <= 0 || quarantined) return false;
  return random() < share;
}

const NAMES = [
  'Amigos do bairro',
  'Futebol de quinta',
  'Receitas da vó',
  'Pedal de domingo',
  'Turma da faculdade',
  'Churrasco do mês',
  'Trilhas e cachoeiras',
  'Clube do livro',
  'Pais da escola',
  'Academia 6h',
  'Viagem de julho',
  'Bolão da firma',
  'Horta comunitária',
  'Corrida no parque',
  'Jogos de tabuleiro',
  'Música ao vivo',
];

const DESCRIPTIONS = [
  'Grupo pra combinar os encontros. Sem correntes, por favor!',
  'Aqui a gente troca dicas e marca os próximos rolês.',
  'Só gente boa. Avisem quando não puderem vir.',
  'Fotos, recados e combinados da turma.',
  'Pra ninguém perder os avisos importantes.',
  'Espaço pra conversar, rir e organizar as coisas.',
  'Combinados da semana e muita resenha.',
];

/** A name and description like a person's group (pt-BR), drawn from the workflow's or plan's random. */
export function groupIdentity(random: Random): { name: string; description: string } {
  return { name: pickOne(random, NAMES), description: pickOne(random, DESCRIPTIONS) };
}

export interface GroupCandidate {
  chipId: string;
  phase: Phase | string;
  status: ChipStatus | string;
  /** Groups the chip already belongs to: those in fewer are chosen first. */
  groups: number;
}

/**
 * Who joins a new group the creator starts: between GROUP_SIZE.min and .max members in all, creator
 * included, from fleet chips that may join groups; null when too few are there.
 */
export function chooseNewMembers(candidates: readonly GroupCandidate[], random: Random): string[] | null {
  const eligible = shuffle(
    random,
    candidates.filter((c) => mayJoinGroups(c.phase) && mayJoinGroup(c.status)),
  ).sort((x, y) => x.groups - y.groups);
  if (eligible.length < GROUP_SIZE.min - 1) return null;
  const others = GROUP_SIZE.min - 1 + Math.floor(random() * (GROUP_SIZE.max - GROUP_SIZE.min + 1));
  return eligible.slice(0, Math.min(others, eligible.length)).map((c) => c.chipId);
}

export type MembershipChange = { action: 'add' | 'remove'; chipId: string };

/**
 * The group's membership changes of this plan: members that may no longer stay (banned, retired) are removed;
 * otherwise, now and then, one fleet chip is added or one member (never the creator) removed, always
 * keeping 3 to 6 members.
 */
export function membershipChanges(
  group: { creatorChipId: string; members: readonly { chipId: string; status: string }[] },
  outsiders: readonly GroupCandidate[],
  random: Random,
): MembershipChange[] {
  const leaving = group.members.filter((m) => !mayStayInGroup(m.status) && m.chipId !== group.creatorChipId);
  if (leaving.length > 0) return leaving.map((m) => ({ action: 'remove', chipId: m.chipId }));
  if (random() >= MEMBERSHIP_CHANGE_CHANCE) return [];
  const size = group.members.length;
  const joinable = outsiders.filter((c) => mayJoinGroups(c.phase) && mayJoinGroup(c.status));
  const removable = group.members.filter((m) => m.chipId !== group.creatorChipId);
  const canAdd = size < GROUP_SIZE.max && joinable.length > 0;
  const canRemove = size > GROUP_SIZE.min && removable.length > 0;
  if (canAdd && (!canRemove || random() < 0.5)) return [{ action: 'add', chipId: pickOne(random, joinable).chipId }];
  if (canRemove) return [{ action: 'remove', chipId: pickOne(random, removable).chipId }];
  return [];
}

/**
 * Who says each turn of a group conversation: speakers take turns at random, never one twice in a
 * row, each within its own budget (what it may still send today); at most `maxTurns` turns. Speaker 0
 * is the chip that opens it.
 */
export function groupTurnOrder(budgets: readonly number[], maxTurns: number, random: Random): number[] {
  const left = [...budgets];
  const order: number[] = [];
  let last = -1;
  while (order.length < maxTurns) {
    const first = order.length === 0;
    const able = left.map((n, i) => i).filter((i) => left[i]! > 0 && i !== last && (!first || i === 0));
    if (able.length === 0) break;
    const next = pickOne(random, able);
    order.push(next);
    left[next]!--;
    last = next;
  }
  return order;
}

/** Each speaker's share of a turn order: what it sends, and the turns it answered (a reply follows another's turn). */
export function groupCounts(order: readonly number[], delivered: number, speakers: number): { sent: number[]; replied: number[] } {
  const sent = Array.from({ length: speakers }, () => 0);
  const replied = Array.from({ length: speakers }, () => 0);
  for (let i = 0; i < Math.min(delivered, order.length); i++) {
    sent[order[i]!]!++;
    if (i > 0 && order[i - 1] !== order[i]) replied[order[i - 1]!]!++;
  }
  return { sent, replied };
}
