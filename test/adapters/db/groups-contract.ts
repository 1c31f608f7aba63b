/**
 * Closed groups of the fleet in the database (migration *_fleet_groups), run on PostgreSQL and on the
 * embedded database like the main contract: a group whose members are not all of one fleet cannot be
 * recorded, a group message to a group holding anyone outside the sender's fleet is refused, and a
 * group message counts against its sender's daily cap together with its direct messages.
 */
import { randomUUID } from 'node:crypto';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import { ChipNotWarming, DailyCapReached, GroupQuarantine, NotGroupMember, OutsideFleet } from '../../../src/domain/errors';
import { PHASE_TABLE } from '../../../src/domain/phases';
import { aSendingChip, at } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

const DAY = '2025-03-03';
let jids = 0;
const aGroupJid = () => `1203630000${String(++jids).padStart(8, '0')}@g.us`;

export function describeGroupsContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db fleet groups on ${driver}`, () => {
    let h: DbHarness;
    let db: Db;
    beforeAll(async () => {
      h = await open();
      db = h.db;
      await db.migrate();
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      await h.sql('truncate warmup_chips cascade');
    });

    const count = async (table: string) => Number((await h.sql(`select count(*)::int as n from ${table}`))[0]?.n);
    const fleet = async (size: number, fleetId = 'fleet-g') => {
      const chips: ChipRecord[] = [];
      for (let i = 0; i < size; i++) chips.push(await aSendingChip(db, { fleetId }));
      return chips;
    };
    const group = async (members: ChipRecord[]) => {
      const groupJid = aGroupJid();
      await db.recordGroup({
        groupJid,
        creatorChipId: members[0]!.id,
        name: 'Amigos do bairro',
        description: 'Combinados da semana',
        members: members.slice(1).map((m) => m.id),
        at: at(),
      });
      return groupJid;
    };
    const conversation = async (groupJid: string, initiator: ChipRecord, turns: number) => {
      const id = `group-${randomUUID()}`;
      await db.beginGroupConversation({ id, groupJid, initiatorChipId: initiator.id, turns, day: DAY, at: at() });
      return id;
    };
    const claim = (id: string, turn: number, sender: ChipRecord) =>
      db.claimGroupMessage({ key: `${id}:${turn}`, groupConversationId: id, turn, senderId: sender.id, at: at(), day: DAY });
    const confirmation = (id: string, turn: number) => ({
      key: `${id}:${turn}`,
      providerMessageId: `m-${id}-${turn}`,
      textLength: 10,
      at: at(),
    });

    it('records a group of one fleet with its members, and shows it to each member', async () => {
      const chips = await fleet(4);
      const jid = await group(chips);
      const [shown] = await db.chipGroups({ chipId: chips[2]!.id });
      expect(shown).toMatchObject({ groupJid: jid, name: 'Amigos do bairro', fleetId: 'fleet-g', creatorChipId: chips[0]!.id });
      expect(shown!.members.map((m) => m.chipId).sort()).toEqual(chips.map((c) => c.id).sort());
      // Recording the same JID again changes nothing.
      await db.recordGroup({ groupJid: jid, creatorChipId: chips[0]!.id, name: 'x', description: null, members: [chips[1]!.id], at: at() });
      expect(await count('warmup_groups')).toBe(1);
      expect(await count('warmup_group_members')).toBe(4);
    });

    it('refuses a group whose members are not all of one fleet, writing nothing', async () => {
      const chips = await fleet(3);
      const stranger = await aSendingChip(db, { fleetId: 'fleet-other' });
      await expect(
        db.recordGroup({
          groupJid: aGroupJid(),
          creatorChipId: chips[0]!.id,
          name: 'g',
          description: null,
          members: [chips[1]!.id, stranger.id],
          at: at(),
        }),
      ).rejects.toBeInstanceOf(OutsideFleet);
      expect(await count('warmup_groups')).toBe(0);
      // Nor can a member of another fleet be added later, through the port or by a plain insert.
      const jid = await group(chips);
      await expect(db.changeGroupMember({ groupJid: jid, chipId: stranger.id, action: 'add', at: at() })).rejects.toBeInstanceOf(
        OutsideFleet,
      );
      await expect(
        h.sql('insert into warmup_group_members (group_id, chip_id) select id, $1 from warmup_groups', [stranger.id]),
      ).rejects.toThrow(/OutsideFleet/);
      expect(await count('warmup_group_members')).toBe(3);
      // Too few members, or a chip that is neither warming nor ready, is refused too.
      await expect(
        db.recordGroup({
          groupJid: aGroupJid(),
          creatorChipId: chips[0]!.id,
          name: 'g',
          description: null,
          members: [chips[1]!.id],
          at: at(),
        }),
      ).rejects.toThrow(/3 to 6 members/);
      await db.setChipStatus({ chipId: chips[2]!.id, status: 'retired', reason: 'x' });
      await expect(
        db.recordGroup({
          groupJid: aGroupJid(),
          creatorChipId: chips[0]!.id,
          name: 'g',
          description: null,
          members: [chips[1]!.id, chips[2]!.id],
          at: at(),
        }),
      ).rejects.toBeInstanceOf(ChipNotWarming);
    });

    it('refuses a group message to a group that holds anyone outside the sender fleet', async () => {
      const chips = await fleet(3);
      const jid = await group(chips);
      const id = await conversation(jid, chips[0]!, 4);
      expect(await claim(id, 0, chips[0]!)).toBe('new');
      // A member moved to another fleet (an operator's edit): the group now holds an outsider.
      await h.sql(`update warmup_chips set fleet_id = 'fleet-other' where id = $1`, [chips[2]!.id]);
      const before = await count('warmup_interactions');
      await expect(
        db.claimGroupMessage({
          previous: confirmation(id, 0),
          key: `${id}:1`,
          groupConversationId: id,
          turn: 1,
          senderId: chips[1]!.id,
          at: at(),
          day: DAY,
        }),
      ).rejects.toBeInstanceOf(OutsideFleet);
      expect(await count('warmup_interactions')).toBe(before);
    });

    it('refuses a sender that is not warming, not a member, or quarantined beside healthy members', async () => {
      const chips = await fleet(4);
      const jid = await group(chips.slice(0, 3));
      const id = await conversation(jid, chips[0]!, 6);
      await expect(claim(id, 0, chips[3]!)).rejects.toBeInstanceOf(NotGroupMember);
      await db.setChipStatus({ chipId: chips[1]!.id, status: 'paused', reason: 'operador' });
      await expect(claim(id, 0, chips[1]!)).rejects.toBeInstanceOf(ChipNotWarming);
      await db.recordStanding({
        chipId: chips[2]!.id,
        rampLevel: 1,
        rampDay: DAY,
        rampReason: 'x',
        quarantined: true,
        quarantineReason: 'x',
        at: at(),
      });
      await expect(claim(id, 0, chips[2]!)).rejects.toBeInstanceOf(GroupQuarantine);
      expect(await count('warmup_interactions')).toBe(0);
      // A member removed is no longer a sender.
      await db.changeGroupMember({ groupJid: jid, chipId: chips[0]!.id, action: 'remove', at: at() });
      await expect(claim(id, 0, chips[0]!)).rejects.toBeInstanceOf(NotGroupMember);
    });

    it('counts group messages against the sender daily cap together with its direct turns', async () => {
      const chips = await fleet(3);
      const jid = await group(chips);
      const cap = PHASE_TABLE.expansao.dailyCap;
      const id = await conversation(jid, chips[0]!, cap + 1);
      const claimAfter = (turn: number) =>
        db.claimGroupMessage({
          ...(turn > 0 ? { previous: confirmation(id, turn - 1) } : {}),
          key: `${id}:${turn}`,
          groupConversationId: id,
          turn,
          senderId: chips[0]!.id,
          at: at(),
          day: DAY,
        });
      for (let turn = 0; turn < cap; turn++) expect(await claimAfter(turn)).toBe('new');
      // Refused with its confirmation rolled back: the last message is confirmed by the closing.
      await expect(claimAfter(cap)).rejects.toBeInstanceOf(DailyCapReached);
      await db.finishGroupConversation({ confirm: confirmation(id, cap - 1), id, turnsDelivered: cap, outcome: 'failed', at: at() });
      // A direct turn of the same day is refused too: the cap is one for both.
      const conv = `conv-${randomUUID()}`;
      await db.createConversation({ id: conv, chipA: chips[0]!.id, chipB: chips[1]!.id, dialogueId: 'd', turns: 2, at: at(), day: DAY });
      await expect(
        db.beginTurn({
          key: `${conv}/0`,
          conversationId: conv,
          turn: 0,
          senderId: chips[0]!.id,
          receiverId: chips[1]!.id,
          at: at(),
          day: DAY,
        }),
      ).rejects.toBeInstanceOf(DailyCapReached);
      // The sent messages are counted: the sender's totals, the members' received, the day's summary.
      const sender = await db.getChip(chips[0]!.id);
      const member = await db.getChip(chips[1]!.id);
      expect(sender.messagesSent).toBe(cap);
      expect(member.messagesReceived).toBe(cap);
      expect(await db.groupSummary({ day: DAY })).toEqual({ groups: 1, groupMessages: cap });
      const [shown] = await db.chipGroups({ chipId: chips[0]!.id });
      expect(shown!.members.find((m) => m.chipId === chips[0]!.id)?.messagesSent).toBe(cap);
    });

    it('confirms the previous message with the next claim and the last with the closing', async () => {
      const chips = await fleet(3);
      const jid = await group(chips);
      const id = await conversation(jid, chips[0]!, 3);
      expect(await claim(id, 0, chips[0]!)).toBe('new');
      expect(await claim(id, 0, chips[0]!)).toBe('in_flight');
      const next = { previous: confirmation(id, 0), groupConversationId: id, at: at(), day: DAY };
      expect(await db.claimGroupMessage({ ...next, key: `${id}:1`, turn: 1, senderId: chips[1]!.id })).toBe('new');
      expect(await claim(id, 0, chips[0]!)).toBe('sent');
      await db.finishGroupConversation({ confirm: confirmation(id, 1), id, turnsDelivered: 2, outcome: 'aborted', at: at() });
      const rows = await h.sql('select estado from warmup_interactions order by turno');
      expect(rows.map((r) => r.estado)).toEqual(['sent', 'sent']);
      const [conv] = await h.sql('select outcome, turnos_entregues from warmup_group_conversations where id = $1', [id]);
      expect(conv).toMatchObject({ outcome: 'aborted', turnos_entregues: 2 });
      // The first sender's message was answered by another member.
      const [replied] = await h.sql('select msgs_respondidas_total as n from warmup_chips where id = $1', [chips[0]!.id]);
      expect(Number(replied?.n)).toBe(1);
    });
  });
}
