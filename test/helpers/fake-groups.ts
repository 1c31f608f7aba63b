/**
 * In-memory group activities for workflow tests (closed groups of the fleet): groups made and changed
 * by the rules of src/domain/group-rules.ts, speakers reserved through the real Update on the test
 * server, and a log of group messages. `refuse` stands in for the database's last line.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChipDirectory } from '../../src/activities/deps';
import type { GroupActivities } from '../../src/activities/group-types';
import type { ChipRef, WarmupActivities } from '../../src/activities/types';
import { TurnOutcomeUnknown } from '../../src/domain/errors';
import {
  GROUP_OTHER_SPEAKERS,
  GROUP_SIZE,
  type GroupCandidate,
  chooseNewMembers,
  groupTurnOrder,
  membershipChanges,
} from '../../src/domain/group-rules';
import { seededRandom, shuffle } from '../../src/domain/random';

export interface FakeGroupMessage {
  key: string;
  conversationId: string;
  turn: number;
  from: string;
  groupJid: string;
  /** Present members when it was sent. */
  members: string[];
  atMs: number;
}

export interface FakeGroup {
  jid: string;
  creator: string;
  members: Set<string>;
  changes: { chipId: string; action: 'add' | 'remove' }[];
}

export interface FakeGroups {
  groups: Map<string, FakeGroup>;
  messages: FakeGroupMessage[];
  conversations: Map<string, { outcome: string; turnsDelivered: number }>;
  /** Fleet of each chip (absent: 'default'). */
  fleets: Map<string, string>;
  /** The database's last line, as a test wants it: a failure type refuses the claim (nothing is sent). */
  refuse?: (message: { from: string; turn: number; conversationId: string }) => string | undefined;
  /** No membership changes (a test that needs its group as it set it up). */
  stableMembership?: boolean;
  /** Called before a group message is "sent", e.g. to pause a chip mid-conversation. */
  onGroupTurn?: (message: FakeGroupMessage) => Promise<void>;
  /** The last message goes out but its activity cannot write the closing (the database did not answer). */
  lastCloseFails?: (conversationId: string) => boolean;
  /** Closings written by finishGroupConversation, with the message each confirmed. */
  closings: { conversationId: string; outcome: string; turnsDelivered: number; confirmedKey?: string }[];
  activities: GroupActivities;
}

interface WorldView {
  chips: Map<string, ChipRef & { phase: string }>;
  statuses: { chipId: string; status: string }[];
  standings: Parameters<WarmupActivities['persistStanding']>[0][];
}

const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;

export function createFakeGroups(world: WorldView, directory: ChipDirectory): FakeGroups {
  const claims = new Map<string, 'in_flight' | 'sent'>();
  let nextJid = 0;
  const fake: FakeGroups = {
    groups: new Map(),
    messages: [],
    conversations: new Map(),
    closings: [],
    fleets: new Map(),
    activities: undefined as unknown as GroupActivities,
  };
  const fleetOf = (chipId: string) => fake.fleets.get(chipId) ?? 'default';
  const statusOf = (chipId: string) => {
    const chip = world.chips.get(chipId);
    if (chip?.phase === 'operacao') return 'ready';
    return world.statuses.filter((s) => s.chipId === chipId).at(-1)?.status ?? 'warming';
  };
  const candidate = (chipId: string): GroupCandidate => ({
    chipId,
    phase: world.chips.get(chipId)?.phase ?? 'setup',
    status: statusOf(chipId),
    groups: [...fake.groups.values()].filter((g) => g.members.has(chipId)).length,
  });

  fake.activities = {
    async planGroupConversation(input) {
      const random = seededRandom(input.seed);
      const me = input.initiator.chipId;
      const fleet = [...world.chips.keys()].filter((id) => id !== me && fleetOf(id) === fleetOf(me));
      let group = [...fake.groups.values()].find((g) => g.members.has(me) && g.members.size >= GROUP_SIZE.min);
      if (!group) {
        const chosen = chooseNewMembers(fleet.map(candidate), random);
        if (!chosen) return { kind: 'none', reason: 'no_group' };
        group = { jid: `120363${String(++nextJid).padStart(12, '0')}@g.us`, creator: me, members: new Set([me, ...chosen]), changes: [] };
        fake.groups.set(group.jid, group);
      }
      const g = group;
      const present = [...g.members].map((id) => ({ chipId: id, status: statusOf(id) }));
      const outsiders = fleet.filter((id) => !g.members.has(id)).map(candidate);
      const changes = fake.stableMembership ? [] : membershipChanges({ creatorChipId: g.creator, members: present }, outsiders, random);
      for (const change of changes) {
        if (change.action === 'add') g.members.add(change.chipId);
        else g.members.delete(change.chipId);
        g.changes.push(change);
      }
      const total = Math.min(input.maxTurns, 4 + 2 * Math.floor(random() * 4));
      const speakers: ChipRef[] = [input.initiator];
      const budgets = [Math.ceil(input.maxTurns / 2)];
      const able = shuffle(
        random,
        // Pauses and quarantine are left to the speakers' own workflows: their reservations refuse.
        [...g.members].filter((id) => id !== me && statusOf(id) !== 'ready'),
      );
      for (const id of able) {
        if (speakers.length > GROUP_OTHER_SPEAKERS) break;
        const chip = world.chips.get(id)!;
        const sends = Math.ceil(total / 2);
        const answer = await directory.reserve(id, {
          conversationId: input.conversationId,
          initiatorChipId: me,
          sends,
          leaseMs: input.leaseMs,
          quarantined: false,
        });
        if (!answer.accepted) continue;
        speakers.push({ chipId: id, phone: chip.phone, instanceName: chip.instanceName });
        budgets.push(sends);
      }
      const order = groupTurnOrder(budgets, total, random);
      if (speakers.length < 2 || order.length < 2) return { kind: 'none', reason: 'partners_unavailable' };
      return {
        kind: 'planned',
        plan: {
          conversationId: input.conversationId,
          groupJid: g.jid,
          groupName: 'Amigos do bairro',
          speakers,
          turns: order.map((speaker, i) => ({ speaker, text: `mensagem ${i + 1} no grupo` })),
        },
      };
    },
    async deliverGroupTurn(input) {
      const group = fake.groups.get(input.groupJid);
      if (!group?.members.has(input.sender.chipId)) throw ApplicationFailure.nonRetryable('not a member', 'NotGroupMember');
      const refusal = fake.refuse?.({ from: input.sender.chipId, turn: input.turn, conversationId: input.conversationId });
      if (refusal) throw ApplicationFailure.nonRetryable(`${refusal}: refused by the last line`, refusal);
      const claim = claims.get(input.key);
      if (claim === 'sent') return { alreadySent: true };
      if (claim === 'in_flight') throw ApplicationFailure.nonRetryable(new TurnOutcomeUnknown(input.key).message, 'TurnOutcomeUnknown');
      claims.set(input.key, 'in_flight');
      const message: FakeGroupMessage = {
        key: input.key,
        conversationId: input.conversationId,
        turn: input.turn,
        from: input.sender.chipId,
        groupJid: input.groupJid,
        members: [...group.members],
        atMs: serverNow(),
      };
      if (fake.onGroupTurn) await fake.onGroupTurn(message);
      fake.messages.push(message);
      claims.set(input.key, 'sent');
      if (input.last && !fake.lastCloseFails?.(input.conversationId)) {
        fake.conversations.set(input.conversationId, { outcome: 'completed', turnsDelivered: input.turn + 1 });
        return { alreadySent: false, closed: true };
      }
      return {
        alreadySent: false,
        confirm: { key: input.key, providerMessageId: input.key, textLength: input.text.length, at: new Date().toISOString() },
      };
    },
    async finishGroupConversation(input) {
      fake.conversations.set(input.conversationId, { outcome: input.outcome, turnsDelivered: input.turnsDelivered });
      fake.closings.push({
        conversationId: input.conversationId,
        outcome: input.outcome,
        turnsDelivered: input.turnsDelivered,
        ...(input.confirm ? { confirmedKey: input.confirm.key } : {}),
      });
    },
  };
  return fake;
}
