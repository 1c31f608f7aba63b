/**
 * The planGroupConversation activity: finds the chip's group (or creates one with fleet chips only),
 * applies the group's occasional membership change, reserves the members that will speak through their
 * own workflows, and records the conversation. Every choice is a rule of src/domain/group-rules.ts,
 * drawn from the plan's seed.
 */
import type { GroupCandidateRecord, GroupRecord, GroupsPort } from '../adapters/db/port';
import type { Groups } from '../adapters/messaging/group-port';
import { isWarmerError } from '../domain/errors';
import {
  chooseNewMembers,
  groupIdentity,
  groupTurnOrder,
  GROUP_OTHER_SPEAKERS,
  GROUP_SIZE,
  mayJoinGroup,
  membershipChanges,
} from '../domain/group-rules';
import { maskGroupJid } from '../domain/group-jid';
import { canonicalPhone } from '../domain/phone';
import { seededRandom, shuffle } from '../domain/random';
import type { ActivityDeps } from './deps';
import type { DeliverGroupTurnInput, DeliveredGroupTurn, GroupPlanResult, PlanGroupConversationInput } from './group-types';
import { MAX_TYPING_IN_TURN_MS, typingDelayMs } from '../domain/pacing';
import type { ChipRef } from './types';

const iso = (ms: number) => new Date(ms).toISOString();

/** The groups port of the messaging adapter, when it has one (the Evolution client and the simulator do). */
export function groupsOf(messaging: unknown): Groups | undefined {
  const candidate = messaging as Partial<Groups> | undefined;
  return typeof candidate?.createGroup === 'function' && typeof candidate.updateGroupParticipants === 'function'
    ? (candidate as Groups)
    : undefined;
}

export function createPlanGroupConversation(
  deps: Pick<ActivityDeps, 'dialogues' | 'chips' | 'log'> & { db: GroupsPort },
  groups: Groups | undefined,
  deliver: (input: DeliverGroupTurnInput) => Promise<DeliveredGroupTurn>,
): (input: PlanGroupConversationInput) => Promise<GroupPlanResult> {
  const { db, dialogues, chips } = deps;

  /** The chip's group, created by the chip from fleet chips when it has none. */
  const findOrCreate = async (input: PlanGroupConversationInput, fleet: GroupCandidateRecord[], random: () => number) => {
    const present = (g: GroupRecord) => g.members.filter((m) => m.leftAt === null);
    const mine = (await db.chipGroups({ chipId: input.initiator.chipId })).find((g) => present(g).length >= GROUP_SIZE.min);
    if (mine) return mine;
    if (!groups) return null;
    const chosen = chooseNewMembers(fleet, random);
    if (!chosen) return null;
    const identity = groupIdentity(random);
    const members = fleet.filter((c) => chosen.includes(c.chipId));
    const created = await groups.createGroup(input.initiator.instanceName, {
      subject: identity.name,
      description: identity.description,
      participants: members.map((m) => m.phone),
    });
    const joined = members.filter((m) => created.members.includes(m.phone));
    try {
      await db.recordGroup({
        groupJid: created.groupJid,
        creatorChipId: input.initiator.chipId,
        name: identity.name,
        description: identity.description,
        members: joined.map((m) => m.chipId),
        at: iso(Date.now()),
      });
    } catch (err) {
      // Too few got in (or the database refused one): the group is left unused on WhatsApp.
      if (!isWarmerError(err)) throw err;
      deps.log?.warn('a new group could not be recorded; not used', { group: maskGroupJid(created.groupJid), error: err.message });
      return null;
    }
    return (await db.chipGroups({ chipId: input.initiator.chipId })).find((g) => g.groupJid === created.groupJid) ?? null;
  };

  /** Members that may no longer stay leave, and now and then one fleet chip joins or one member goes (by the creator). */
  const changeMembership = async (group: GroupRecord, fleet: GroupCandidateRecord[], random: () => number): Promise<void> => {
    const present = group.members.filter((m) => m.leftAt === null);
    const creator = present.find((m) => m.chipId === group.creatorChipId);
    if (!groups || !creator || !mayJoinGroup(creator.status)) return;
    const outsiders = fleet.filter((c) => !present.some((m) => m.chipId === c.chipId));
    for (const change of membershipChanges({ creatorChipId: group.creatorChipId, members: present }, outsiders, random)) {
      const chip = [...present, ...outsiders].find((c) => c.chipId === change.chipId);
      if (!chip) continue;
      const warn = (error: string) =>
        deps.log?.warn('group membership change failed', { group: maskGroupJid(group.groupJid), action: change.action, error });
      try {
        // WhatsApp answers per number: the database records only what it did, so that both agree on who
        // receives the group's messages (and who may speak in it).
        const answers = await groups.updateGroupParticipants(creator.instanceName, group.groupJid, change.action, [chip.phone]);
        const answer = answers.find((a) => canonicalPhone(a.phone) === canonicalPhone(chip.phone));
        if (!answer?.ok) {
          warn(`WhatsApp did not ${change.action} the member (code ${answer?.code ?? 'none'})`);
          continue;
        }
        try {
          await db.changeGroupMember({ groupJid: group.groupJid, chipId: chip.chipId, action: change.action, at: iso(Date.now()) });
        } catch (err) {
          // Not recorded: WhatsApp is put back as the database has it.
          const undo = change.action === 'add' ? 'remove' : 'add';
          await groups
            .updateGroupParticipants(creator.instanceName, group.groupJid, undo, [chip.phone])
            .catch((undoErr: unknown) => warn(`and could not be undone at WhatsApp: ${String(undoErr)}`));
          throw err;
        }
        if (change.action === 'remove')
          group.members = group.members.map((m) => (m.chipId === chip.chipId ? { ...m, leftAt: iso(Date.now()) } : m));
        else group.members.push({ ...chip, joinedAt: iso(Date.now()), leftAt: null, messagesSent: 0 });
      } catch (err) {
        // A membership change is a nicety: the conversation goes on with the group as it is.
        warn(String(err));
      }
    }
  };

  return async (input) => {
    const random = seededRandom(input.seed);
    const fleet = await db.groupCandidates({ chipId: input.initiator.chipId, day: input.day });
    const group = await findOrCreate(input, fleet, random);
    if (!group) return { kind: 'none', reason: 'no_group' };
    await changeMembership(group, fleet, random);
    const present = group.members.filter((m) => m.leftAt === null);
    if (!present.some((m) => m.chipId === input.initiator.chipId)) return { kind: 'none', reason: 'not_a_member' };
    // Only warming, healthy members with room today speak: a quarantined chip never posts beside healthy ones.
    const room = new Map(fleet.map((c) => [c.chipId, c.capToday - c.claimedToday]));
    const able = shuffle(
      random,
      present.filter(
        (m) => m.chipId !== input.initiator.chipId && m.status === 'warming' && !m.quarantined && (room.get(m.chipId) ?? 0) > 0,
      ),
    );
    const dialogue = await dialogues.next({ maxTurns: input.maxTurns, random, preferLongest: true });
    if (!dialogue) return { kind: 'none', reason: 'no_dialogue' };
    const total = Math.min(input.maxTurns, dialogue.turns.length);
    const speakers: ChipRef[] = [input.initiator];
    const budgets = [Math.ceil(input.maxTurns / 2)];
    for (const member of able) {
      if (speakers.length > GROUP_OTHER_SPEAKERS) break;
      const sends = Math.max(1, Math.min(room.get(member.chipId) ?? 0, Math.ceil(total / 2)));
      const answer = await chips.reserve(member.chipId, {
        conversationId: input.conversationId,
        initiatorChipId: input.initiator.chipId,
        sends,
        leaseMs: input.leaseMs,
        quarantined: false,
      });
      if (!answer.accepted) continue;
      speakers.push({ chipId: member.chipId, phone: member.phone, instanceName: member.instanceName });
      budgets.push(sends);
    }
    const order = groupTurnOrder(budgets, total, random);
    if (speakers.length < 2 || order.length < 2) {
      for (const speaker of speakers.slice(1)) await chips.release?.(speaker.chipId, input.conversationId).catch(() => undefined);
      return { kind: 'none', reason: 'partners_unavailable' };
    }
    await db.beginGroupConversation({
      id: input.conversationId,
      groupJid: group.groupJid,
      initiatorChipId: input.initiator.chipId,
      turns: order.length,
      day: input.day,
      at: iso(Date.now()),
    });
    const turns = order.map((speaker, i) => ({ speaker, text: dialogue.turns[i]!.text }));
    const plan = { conversationId: input.conversationId, groupJid: group.groupJid, groupName: group.name, speakers, turns };
    // The plan sends the first turn itself (one billed activity fewer); if it cannot, the conversation
    // sends it (a claimed but unconfirmed one then ends the conversation rather than risk a duplicate).
    try {
      const opening = await deliver({
        conversationId: input.conversationId,
        turn: 0,
        key: `${input.conversationId}:0`,
        sender: input.initiator,
        groupJid: group.groupJid,
        text: turns[0]!.text,
        thinkMs: 0,
        typingMs: Math.min(MAX_TYPING_IN_TURN_MS, Math.round(typingDelayMs(turns[0]!.text) * (input.paceScale ?? 0))),
        day: input.day,
      });
      return { kind: 'planned', plan: { ...plan, opening: opening.confirm ? { confirm: opening.confirm } : {} } };
    } catch (err) {
      deps.log?.warn('the group opening could not be sent by the plan; the conversation sends it', { error: String(err) });
      return { kind: 'planned', plan };
    }
  };
}
