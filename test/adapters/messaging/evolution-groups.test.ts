/**
 * The Evolution client's group calls and group sends over real HTTP against the simulator: a group of
 * fleet chips created by one of them, membership changes, the fan-out of its messages, and the typed
 * refusals (NotGroupMember for an instance outside the group, InvalidInput for a non-admin).
 */
import { createMediaLibrary } from '../../../src/adapters/media/media-library';
import { createEvolutionClient, type EvolutionClient } from '../../../src/adapters/messaging/evolution';
import { ProviderUnavailable } from '../../../src/adapters/messaging/provider-unavailable';
import { InvalidInput, InvalidPhone, NotGroupMember, ProviderDisconnected, isWarmerError } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, OUTSIDER_PHONE, startSimulatorWithChips } from '../../simulator/fixtures';
import { CHIP_C, CHIP_D } from '../../simulator/person-fixtures';

const photo = createMediaLibrary().get('image-ceu-azul')!;

let sim: Simulator;
let client: EvolutionClient;
const requestsTo = (path: string) => sim.control.requests().filter((r) => r.path.startsWith(path));

beforeEach(async () => {
  sim = await startSimulatorWithChips();
  sim.control.addInstance(CHIP_C.instance, CHIP_C.phone);
  sim.control.addInstance(CHIP_D.instance, CHIP_D.phone);
  client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5 });
});
afterEach(async () => {
  await sim.close();
});

const newGroup = () =>
  client.createGroup(CHIP_A.instance, {
    subject: 'Amigas da praia',
    description: 'Combinar o sábado',
    participants: [CHIP_B.phone, CHIP_C.phone],
  });

describe('Evolution client: groups', () => {
  it('creates a group of fleet chips and answers its JID and who is in it (a number not on WhatsApp is left out)', async () => {
    sim.control.markUnregistered(OUTSIDER_PHONE);
    const created = await client.createGroup(CHIP_A.instance, {
      subject: ' Amigas da praia ',
      description: 'Combinar o sábado',
      participants: [`+55 (11) 99000-0002`, CHIP_C.phone, OUTSIDER_PHONE, CHIP_C.phone],
    });
    expect(created).toEqual({
      groupJid: expect.stringMatching(/^120363\d{12}@g\.us$/),
      members: [CHIP_A.phone, CHIP_B.phone, CHIP_C.phone],
    });
    expect(requestsTo('/group/create/')[0]).toMatchObject({
      status: 201,
      body: { subject: 'Amigas da praia', description: 'Combinar o sábado', participants: [CHIP_B.phone, CHIP_C.phone, OUTSIDER_PHONE] },
    });
    expect(sim.control.groups().map((g) => g.groupJid)).toEqual([created.groupJid]);
  });

  it('never retries a create (a retry could make a second group)', async () => {
    sim.control.failNextRequests(CHIP_A.instance, 1);
    await expect(newGroup()).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(requestsTo('/group/create/')).toHaveLength(1);
    sim.control.disconnect(CHIP_A.instance);
    await expect(newGroup()).rejects.toBeInstanceOf(ProviderDisconnected);
    expect(sim.control.groups()).toEqual([]);
  });

  it('refuses a bad group before any call: no name, a name too long, no participants, a participant that is not a phone', async () => {
    await expect(client.createGroup(CHIP_A.instance, { subject: ' ', participants: [CHIP_B.phone] })).rejects.toThrow(
      /group subject must be a non-empty text/,
    );
    await expect(client.createGroup(CHIP_A.instance, { subject: 'x'.repeat(101), participants: [CHIP_B.phone] })).rejects.toThrow(
      /101 characters; WhatsApp allows at most 100/,
    );
    await expect(client.createGroup(CHIP_A.instance, { subject: 'Grupo', participants: [] })).rejects.toBeInstanceOf(InvalidInput);
    await expect(client.createGroup(CHIP_A.instance, { subject: 'Grupo', participants: ['ana'] })).rejects.toBeInstanceOf(InvalidPhone);
    await expect(client.fetchGroup(CHIP_A.instance, '5511990000002@s.whatsapp.net')).rejects.toThrow(/is not a group JID/);
    expect(sim.control.requests()).toHaveLength(0);
  });

  it('sends text, presence, an image and a reaction into the group; every other member receives them', async () => {
    const { groupJid } = await newGroup();
    await client.sendPresence(CHIP_A.instance, groupJid, 'composing', 10);
    const text = await client.sendText(CHIP_A.instance, groupJid, 'bom dia, meninas!');
    const image = await client.sendImage(CHIP_B.instance, groupJid, { ...photo, caption: 'olha o céu' });
    await client.sendReaction(CHIP_C.instance, { remoteJid: groupJid, fromMe: false, id: text.key.id }, '❤️');

    expect(text.key).toEqual({ remoteJid: groupJid, fromMe: true, id: expect.any(String) });
    expect(requestsTo('/message/sendText/')[0]!.body).toEqual({ number: groupJid, text: 'bom dia, meninas!' });
    expect(sim.control.groupMessages(groupJid).map((m) => [m.fromInstance, m.kind, m.deliveredTo])).toEqual([
      [CHIP_A.instance, 'text', [CHIP_B.instance, CHIP_C.instance]],
      [CHIP_B.instance, 'image', [CHIP_A.instance, CHIP_C.instance]],
      [CHIP_C.instance, 'reaction', [CHIP_A.instance, CHIP_B.instance]],
    ]);
    expect(image.key.remoteJid).toBe(groupJid);
    expect(sim.control.presences()[0]).toMatchObject({ instance: CHIP_A.instance, number: groupJid, presence: 'composing' });
  });

  it("a non-member's send is NotGroupMember, masked, and not retried", async () => {
    const { groupJid } = await newGroup();
    const err = await client.sendText(CHIP_D.instance, groupJid, 'oi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotGroupMember);
    expect(isWarmerError(err) && err.code).toBe('NotGroupMember');
    expect((err as Error).message).toContain(`***${groupJid.slice(14, 18)}@g.us`);
    expect((err as Error).message).not.toContain(groupJid);
    expect(requestsTo(`/message/sendText/${CHIP_D.instance}`)).toHaveLength(1);
    expect(sim.control.groupMessages()).toEqual([]);
  });

  it('adds and removes members (the admin only); asking for what already holds counts as done', async () => {
    const { groupJid } = await newGroup();
    expect(await client.updateGroupParticipants(CHIP_A.instance, groupJid, 'add', [CHIP_D.phone, CHIP_B.phone])).toEqual([
      { phone: CHIP_D.phone, code: '200', ok: true },
      { phone: CHIP_B.phone, code: '409', ok: true },
    ]);
    expect(await client.updateGroupParticipants(CHIP_A.instance, groupJid, 'remove', [CHIP_C.phone])).toEqual([
      { phone: CHIP_C.phone, code: '200', ok: true },
    ]);
    expect(requestsTo('/group/updateParticipant/')[0]).toMatchObject({
      body: { action: 'add', participants: [CHIP_D.phone, CHIP_B.phone] },
      status: 201,
    });
    // The body carries no groupJid: the simulator would have answered 400 without the query's.
    expect(requestsTo('/group/updateParticipant/')[0]!.body).not.toHaveProperty('groupJid');

    const info = await client.fetchGroup(CHIP_D.instance, groupJid);
    expect(info).toEqual({
      groupJid,
      subject: 'Amigas da praia',
      description: 'Combinar o sábado',
      owner: CHIP_A.phone,
      members: [
        { phone: CHIP_A.phone, role: 'superadmin' },
        { phone: CHIP_B.phone, role: null },
        { phone: CHIP_D.phone, role: null },
      ],
    });
    await expect(client.updateGroupParticipants(CHIP_B.instance, groupJid, 'add', [CHIP_C.phone])).rejects.toThrow(/not an admin of group/);
    await expect(client.updateGroupParticipants(CHIP_C.instance, groupJid, 'add', [CHIP_C.phone])).rejects.toBeInstanceOf(NotGroupMember);
    await expect(client.sendText(CHIP_C.instance, groupJid, 'ainda estou aí?')).rejects.toBeInstanceOf(NotGroupMember);
  });

  it('retries a membership change or a lookup on a 5xx (both idempotent)', async () => {
    const { groupJid } = await newGroup();
    sim.control.failNextRequests(CHIP_A.instance, 2, 502);
    await client.updateGroupParticipants(CHIP_A.instance, groupJid, 'add', [CHIP_D.phone]);
    expect(requestsTo('/group/updateParticipant/').map((r) => r.status)).toEqual([502, 502, 201]);
    sim.control.failNextRequests(CHIP_B.instance, 1);
    expect((await client.fetchGroup(CHIP_B.instance, groupJid)).members).toHaveLength(4);
  });

  it('leaves a group once; leaving or looking up a group the instance is not in is NotGroupMember', async () => {
    const { groupJid } = await newGroup();
    await client.leaveGroup(CHIP_C.instance, groupJid);
    expect(requestsTo('/group/leaveGroup/')[0]).toMatchObject({ method: 'DELETE', status: 200 });
    await expect(client.leaveGroup(CHIP_C.instance, groupJid)).rejects.toThrow(/not in group .* \(it may have left already\)/);
    await expect(client.fetchGroup(CHIP_C.instance, groupJid)).rejects.toBeInstanceOf(NotGroupMember);
    await expect(client.fetchGroup(CHIP_A.instance, '120363000000000000@g.us')).rejects.toBeInstanceOf(NotGroupMember);
    expect(sim.control.groups()[0]!.members.map((m) => m.phone)).toEqual([CHIP_A.phone, CHIP_B.phone]);
  });
});
