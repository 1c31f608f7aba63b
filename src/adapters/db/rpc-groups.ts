/** The groups port over its SQL functions (supabase/migrations/*_fleet_groups.sql). */
import type { GroupRecord, GroupsPort } from './ports/groups';
import type { TurnState } from './ports/turns';
import { type Row, toBoolean, toIso, toIsoOrNull, toNumber } from './rows';
import type { RpcCalls } from './rpc-types';

function toGroups(rows: Row[]): GroupRecord[] {
  const groups = new Map<string, GroupRecord>();
  for (const row of rows) {
    const id = String(row.group_id);
    let group = groups.get(id);
    if (!group) {
      group = {
        groupId: id,
        groupJid: String(row.group_jid),
        name: String(row.nome),
        description: row.descricao === null || row.descricao === undefined ? null : String(row.descricao),
        fleetId: String(row.fleet_id),
        creatorChipId: String(row.criador_chip_id),
        createdAt: toIso(row.created_at),
        members: [],
      };
      groups.set(id, group);
    }
    group.members.push({
      chipId: String(row.member_chip_id),
      phone: String(row.member_phone),
      instanceName: String(row.member_instance),
      status: String(row.member_status),
      phase: String(row.member_phase),
      quarantined: toBoolean(row.member_quarantined),
      joinedAt: toIso(row.joined_at),
      leftAt: toIsoOrNull(row.left_at),
      messagesSent: toNumber(row.messages_total),
    });
  }
  return [...groups.values()];
}

function toTurnState(state: unknown): TurnState {
  if (state !== 'new' && state !== 'in_flight' && state !== 'sent') throw new Error(`warmup_claim_group_message returned ${String(state)}`);
  return state;
}

export function rpcGroups(calls: RpcCalls): GroupsPort {
  return {
    async chipGroups(input) {
      return toGroups(await calls.rows('warmup_chip_groups', { p_chip_id: input.chipId }));
    },

    async groupCandidates(input) {
      const rows = await calls.rows('warmup_group_candidates', { p_chip_id: input.chipId, p_day: input.day });
      return rows.map((row) => ({
        chipId: String(row.chip_id),
        phone: String(row.phone),
        instanceName: String(row.instance_name),
        phase: String(row.phase),
        status: String(row.status),
        quarantined: toBoolean(row.quarantined),
        capToday: toNumber(row.cap_today),
        claimedToday: toNumber(row.claimed_today),
        groups: toNumber(row.groups),
      }));
    },

    async recordGroup(input) {
      const id = await calls.value('warmup_record_group', {
        p_group_jid: input.groupJid,
        p_creator_id: input.creatorChipId,
        p_name: input.name,
        p_description: input.description,
        p_members: input.members,
        p_at: input.at,
      });
      return String(id);
    },

    async changeGroupMember(input) {
      await calls.value('warmup_change_group_member', {
        p_group_jid: input.groupJid,
        p_chip_id: input.chipId,
        p_action: input.action,
        p_at: input.at,
      });
    },

    async beginGroupConversation(input) {
      await calls.value('warmup_begin_group_conversation', {
        p_id: input.id,
        p_group_jid: input.groupJid,
        p_initiator_id: input.initiatorChipId,
        p_turns: input.turns,
        p_day: input.day,
        p_at: input.at,
      });
    },

    async claimGroupMessage(input) {
      const previous = input.previous;
      const state = await calls.value('warmup_claim_group_message', {
        p_previous_key: previous?.key ?? null,
        p_previous_provider_message_id: previous?.providerMessageId ?? null,
        p_previous_text_length: previous?.textLength ?? null,
        p_previous_at: previous?.at ?? null,
        p_key: input.key,
        p_group_conversation_id: input.groupConversationId,
        p_turn: input.turn,
        p_sender_id: input.senderId,
        p_at: input.at,
        p_day: input.day ?? null,
      });
      return toTurnState(state);
    },

    async finishGroupConversation(input) {
      await calls.value('warmup_finish_group_conversation', {
        p_key: input.confirm?.key ?? null,
        p_provider_message_id: input.confirm?.providerMessageId ?? null,
        p_text_length: input.confirm?.textLength ?? null,
        p_completed_at: input.confirm?.at ?? null,
        p_id: input.id,
        p_turns_delivered: input.turnsDelivered,
        p_outcome: input.outcome,
        p_at: input.at,
      });
    },

    async groupSummary(input) {
      const [row] = await calls.rows('warmup_group_summary', { p_day: input.day });
      return { groups: toNumber(row?.groups ?? 0), groupMessages: toNumber(row?.group_messages ?? 0) };
    },
  };
}
