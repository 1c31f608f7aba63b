/**
 * The simulator's group routes and group sends called with raw HTTP: creation (numbers not on WhatsApp
 * dropped silently), membership changes by the admin only, the fan-out of a group message to every
 * other member, a non-member's send refused, and Evolution's two error shapes.
 */
import { CHIP_A, CHIP_B } from './fixtures';
import { CHIP_C, CHIP_D, eventsOf, jid, messageOf, rawCall, startPersonStack, type PersonStack } from './person-fixtures';

const OUTSIDER = '5511990009999';

let stack: PersonStack;
const call = (method: string, path: string, body?: unknown) => rawCall(stack.sim, method, path, body);

beforeEach(async () => {
  stack = await startPersonStack();
});
afterEach(async () => {
  await stack.close();
});

/** A group created by chip A with chips B and C. */
async function groupOfThree(): Promise<string> {
  const created = await call('POST', `/group/create/${CHIP_A.instance}`, {
    subject: 'Amigas da praia',
    description: 'Combinar o fim de semana',
    participants: [CHIP_B.phone, CHIP_C.phone],
  });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

describe('simulator: groups', () => {
  it('creates a group (201, its JID and metadata), dropping numbers not on WhatsApp without a word', async () => {
    stack.sim.control.markUnregistered(OUTSIDER);
    const created = await call('POST', `/group/create/${CHIP_A.instance}`, {
      subject: 'Amigas da praia',
      description: 'Combinar o fim de semana',
      participants: [CHIP_B.phone, CHIP_C.phone, OUTSIDER],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.stringMatching(/^120363\d{12}@g\.us$/),
      subject: 'Amigas da praia',
      desc: 'Combinar o fim de semana',
      owner: jid(CHIP_A.phone),
      size: 3,
      participants: [
        { id: jid(CHIP_A.phone), admin: 'superadmin' },
        { id: jid(CHIP_B.phone), admin: null },
        { id: jid(CHIP_C.phone), admin: null },
      ],
    });
    const [group] = stack.sim.control.groups();
    expect(group).toMatchObject({ groupJid: created.json.id, createdBy: CHIP_A.instance, ownerPhone: CHIP_A.phone });
    expect(group!.members.map((m) => m.phone)).toEqual([CHIP_A.phone, CHIP_B.phone, CHIP_C.phone]);
    await stack.sim.control.idle();
    expect(eventsOf(stack.sink, 'groups.upsert').map((e) => e.instance)).toEqual([CHIP_A.instance, CHIP_B.instance, CHIP_C.instance]);
  });

  it('checks the create body like Evolution ([[messages]]); an empty name fails at WhatsApp', async () => {
    const missing = await call('POST', `/group/create/${CHIP_A.instance}`, { subject: 'Grupo' });
    expect([missing.status, messageOf(missing)]).toEqual([400, [['instance requires property "participants"']]]);
    const short = await call('POST', `/group/create/${CHIP_A.instance}`, { subject: 'Grupo', participants: ['123'] });
    expect(messageOf(short)).toEqual([['"participants" must be an array of numeric strings']]);
    const twice = await call('POST', `/group/create/${CHIP_A.instance}`, { subject: 'Grupo', participants: [CHIP_B.phone, CHIP_B.phone] });
    expect(messageOf(twice)).toEqual([['participants contains duplicate item']]);
    const unnamed = await call('POST', `/group/create/${CHIP_A.instance}`, { subject: '', participants: [CHIP_B.phone] });
    expect([unnamed.status, messageOf(unnamed)]).toEqual([500, ['Error creating group', 'Error: bad-request']]);
    stack.sim.control.disconnect(CHIP_A.instance);
    const closed = await call('POST', `/group/create/${CHIP_A.instance}`, { subject: 'Grupo', participants: [CHIP_B.phone] });
    expect([closed.status, messageOf(closed)]).toEqual([500, ['Error creating group', 'Error: Connection Closed']]);
    expect(stack.sim.control.groups()).toEqual([]);
  });

  it('delivers a group message to every other member, with the group as remoteJid and the sender as participant', async () => {
    const groupJid = await groupOfThree();
    await call('POST', `/chat/sendPresence/${CHIP_A.instance}`, { number: groupJid, presence: 'composing', delay: 10 });
    const sent = await call('POST', `/message/sendText/${CHIP_A.instance}`, { number: groupJid, text: 'bom dia, meninas!' });
    expect(sent.status).toBe(201);
    expect(sent.json.key).toEqual({ remoteJid: groupJid, fromMe: true, id: expect.stringMatching(/^3EB0/) });
    const id = (sent.json.key as { id: string }).id;
    await stack.sim.control.idle();

    const upserts = eventsOf(stack.sink, 'messages.upsert').filter((e) => (e.data.key as { id: string }).id === id);
    expect(upserts.map((e) => [e.instance, e.data.key])).toEqual([
      [CHIP_B.instance, { remoteJid: groupJid, fromMe: false, id, participant: jid(CHIP_A.phone) }],
      [CHIP_C.instance, { remoteJid: groupJid, fromMe: false, id, participant: jid(CHIP_A.phone) }],
    ]);
    expect(upserts[0]!.data.message).toEqual({ conversation: 'bom dia, meninas!' });
    // Group receipts never reach a webhook: the sender hears nothing back.
    expect(eventsOf(stack.sink, 'messages.update')).toEqual([]);
    expect(stack.sim.control.groupMessages(groupJid)).toEqual([
      expect.objectContaining({
        messageId: id,
        fromInstance: CHIP_A.instance,
        kind: 'text',
        deliveredTo: [CHIP_B.instance, CHIP_C.instance],
      }),
    ]);
    expect(stack.sim.control.presences()).toEqual([expect.objectContaining({ instance: CHIP_A.instance, number: groupJid })]);
    expect(stack.sim.control.sent()).toEqual([]);
  });

  it("refuses a non-member's send with 400 '[object Object]' and delivers nothing", async () => {
    const groupJid = await groupOfThree();
    const refused = await call('POST', `/message/sendText/${CHIP_D.instance}`, { number: groupJid, text: 'oi' });
    expect([refused.status, messageOf(refused)]).toEqual([400, ['[object Object]']]);
    const unknown = await call('POST', `/message/sendText/${CHIP_A.instance}`, { number: '120363000000000000@g.us', text: 'oi' });
    expect(unknown.status).toBe(400);
    expect(stack.sim.control.groupMessages()).toEqual([]);
  });

  it('lets the admin add and remove (201, a status per number); a member who is not admin cannot', async () => {
    const groupJid = await groupOfThree();
    const add = await call('POST', `/group/updateParticipant/${CHIP_A.instance}?groupJid=${groupJid}`, {
      action: 'add',
      participants: [CHIP_D.phone, CHIP_B.phone],
    });
    expect(add.status).toBe(201);
    expect((add.json.updateParticipants as Array<{ status: string; jid: string }>).map(({ status, jid: j }) => [status, j])).toEqual([
      ['200', jid(CHIP_D.phone)],
      ['409', jid(CHIP_B.phone)],
    ]);
    // The JID may come without its @g.us suffix, in the body or the query.
    const remove = await call('POST', `/group/updateParticipant/${CHIP_A.instance}`, {
      groupJid: groupJid.replace('@g.us', ''),
      action: 'remove',
      participants: [CHIP_C.phone],
    });
    expect((remove.json.updateParticipants as Array<{ status: string }>).map((r) => r.status)).toEqual(['200']);
    expect(stack.sim.control.groups()[0]!.members.map((m) => m.phone)).toEqual([CHIP_A.phone, CHIP_B.phone, CHIP_D.phone]);

    const removedSends = await call('POST', `/message/sendText/${CHIP_C.instance}`, { number: groupJid, text: 'oi' });
    expect(removedSends.status).toBe(400);
    const notAdmin = await call('POST', `/group/updateParticipant/${CHIP_B.instance}?groupJid=${groupJid}`, {
      action: 'add',
      participants: [CHIP_C.phone],
    });
    expect([notAdmin.status, messageOf(notAdmin)]).toEqual([400, ['Error updating participants', 'Error: not-authorized']]);
    await stack.sim.control.idle();
    expect(eventsOf(stack.sink, 'group-participants.update').map((e) => [e.instance, e.data.action])).toEqual([
      [CHIP_A.instance, 'add'],
      [CHIP_B.instance, 'add'],
      [CHIP_C.instance, 'add'],
      [CHIP_A.instance, 'remove'],
      [CHIP_B.instance, 'remove'],
      [CHIP_D.instance, 'remove'],
    ]);
  });

  it("answers the group routes' own errors: no groupJid, schema failures as { property, message }", async () => {
    const groupJid = await groupOfThree();
    const noJid = await call('POST', `/group/updateParticipant/${CHIP_A.instance}`, { action: 'add', participants: [CHIP_D.phone] });
    expect([noJid.status, messageOf(noJid)]).toEqual([
      400,
      ['The group id needs to be informed in the query', 'ex: "groupJid=120362@g.us"'],
    ]);
    const badAction = await call('POST', `/group/updateParticipant/${CHIP_A.instance}?groupJid=${groupJid}`, {
      action: 'kick',
      participants: [CHIP_D.phone],
    });
    expect(messageOf(badAction)).toEqual([{ property: 'action', message: 'action is not one of enum values: add,remove,promote,demote' }]);
    const badJid = await call('GET', `/group/findGroupInfos/${CHIP_A.instance}?groupJid=abc`);
    expect([badJid.status, messageOf(badJid)]).toEqual([
      400,
      [{ property: 'groupJid', message: 'groupJid does not match pattern "^[\\\\d-]+@g.us$"' }],
    ]);
  });

  it("finds a group's infos for a member only (404 Error fetching group otherwise)", async () => {
    const groupJid = await groupOfThree();
    const info = await call('GET', `/group/findGroupInfos/${CHIP_B.instance}?groupJid=${groupJid}`);
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({
      id: groupJid,
      subject: 'Amigas da praia',
      desc: 'Combinar o fim de semana',
      size: 3,
      pictureUrl: null,
    });
    const outsider = await call('GET', `/group/findGroupInfos/${CHIP_D.instance}?groupJid=${groupJid}`);
    expect([outsider.status, messageOf(outsider)]).toEqual([404, ['Error fetching group', 'Error: forbidden']]);
    const none = await call('GET', `/group/findGroupInfos/${CHIP_A.instance}?groupJid=120363000000000000@g.us`);
    expect([none.status, messageOf(none)]).toEqual([404, ['Error fetching group', 'Error: item-not-found']]);
  });

  it('lets a member leave once (200, then 400); the last admin leaving hands the role to the longest member', async () => {
    const groupJid = await groupOfThree();
    const left = await call('DELETE', `/group/leaveGroup/${CHIP_C.instance}?groupJid=${groupJid}`);
    expect(left).toEqual({ status: 200, json: { groupJid, leave: true } });
    const again = await call('DELETE', `/group/leaveGroup/${CHIP_C.instance}?groupJid=${groupJid}`);
    expect([again.status, messageOf(again)]).toEqual([400, ['Unable to leave the group', 'Error: forbidden']]);

    await call('DELETE', `/group/leaveGroup/${CHIP_A.instance}?groupJid=${groupJid}`);
    expect(stack.sim.control.groups()[0]!.members).toEqual([expect.objectContaining({ phone: CHIP_B.phone, role: 'admin' })]);
  });

  it('keeps a group message for a member offline until it reconnects; groupsIgnore drops only the webhook', async () => {
    const groupJid = await groupOfThree();
    await call('POST', `/settings/set/${CHIP_C.instance}`, {
      rejectCall: false,
      groupsIgnore: true,
      alwaysOnline: false,
      readMessages: false,
      readStatus: false,
      syncFullHistory: false,
    });
    stack.sim.control.disconnect(CHIP_B.instance);
    const sent = await call('POST', `/message/sendText/${CHIP_A.instance}`, { number: groupJid, text: 'alguém aí?' });
    const id = (sent.json.key as { id: string }).id;
    expect(stack.sim.control.groupMessages()[0]!.deliveredTo).toEqual([CHIP_C.instance]);

    stack.sim.control.connect(CHIP_B.instance);
    await stack.sim.control.idle();
    expect(stack.sim.control.groupMessages()[0]!.deliveredTo).toEqual([CHIP_C.instance, CHIP_B.instance]);
    const upserts = eventsOf(stack.sink, 'messages.upsert').filter((e) => (e.data.key as { id: string }).id === id);
    expect(upserts.map((e) => e.instance)).toEqual([CHIP_B.instance]);
  });
});
