/**
 * The simulator's POST /message/sendStatus called with raw HTTP: the schema, formatStatusMessage's
 * checks in Evolution's order (font 0 "Font is required"), an image that must be a URL, and the
 * delivery to the viewers named in statusJidList only.
 */
import { createMediaLibrary } from '../../src/adapters/media/media-library';
import { CHIP_A, CHIP_B } from './fixtures';
import { CHIP_C, eventsOf, jid, messageOf, rawCall, startPersonStack, type PersonStack } from './person-fixtures';

const photo = createMediaLibrary().get('image-ceu-azul')!.base64;
const TEXT = { type: 'text', content: 'Bom dia! ☀️', backgroundColor: '#25D366', font: 1, statusJidList: [jid(CHIP_B.phone)] };

let stack: PersonStack;
const post = (instance: string, body: unknown) => rawCall(stack.sim, 'POST', `/message/sendStatus/${instance}`, body);

beforeEach(async () => {
  stack = await startPersonStack();
});
afterEach(async () => {
  await stack.close();
});

describe('simulator: status posts', () => {
  it('posts a text status (201 from status@broadcast) that reaches only the viewers it names', async () => {
    const answer = await post(CHIP_A.instance, TEXT);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      key: { remoteJid: 'status@broadcast', fromMe: true, id: expect.stringMatching(/^3EB0/) },
      status: 'PENDING',
      messageType: 'extendedTextMessage',
      message: { extendedTextMessage: { text: 'Bom dia! ☀️', backgroundArgb: 0xff25d366, font: 1 } },
    });
    const id = (answer.json.key as { id: string }).id;
    await stack.sim.control.idle();
    const upserts = eventsOf(stack.sink, 'messages.upsert');
    expect(upserts.map((e) => [e.instance, e.data.key])).toEqual([
      [CHIP_B.instance, { remoteJid: 'status@broadcast', fromMe: false, id, participant: jid(CHIP_A.phone) }],
    ]);
    expect(stack.sim.control.statusPosts()).toEqual([
      expect.objectContaining({
        messageId: id,
        instance: CHIP_A.instance,
        type: 'text',
        statusJidList: [jid(CHIP_B.phone)],
        allContacts: false,
        deliveredTo: [CHIP_B.instance],
        viewedBy: [],
      }),
    ]);
  });

  it('refuses font 0 as "Font is required" although the schema allows it; a font past 5 fails the schema', async () => {
    const zero = await post(CHIP_A.instance, { ...TEXT, font: 0 });
    expect([zero.status, messageOf(zero)]).toEqual([400, ['Font is required']]);
    const six = await post(CHIP_A.instance, { ...TEXT, font: 6 });
    expect([six.status, messageOf(six)]).toEqual([400, [['font must be less than or equal to 5']]]);
    const { backgroundColor: _b, ...uncoloured } = TEXT;
    expect(messageOf(await post(CHIP_A.instance, uncoloured))).toEqual(['Background color is required']);
    expect(stack.sim.control.statusPosts()).toEqual([]);
  });

  it('posts an image status from a URL; base64 or a data: URI fails as a file it cannot open', async () => {
    const image = { type: 'image', content: 'https://example.com/praia.jpg', caption: 'fim de tarde', statusJidList: [jid(CHIP_B.phone)] };
    const ok = await post(CHIP_A.instance, image);
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ messageType: 'imageMessage', message: { imageMessage: { caption: 'fim de tarde' } } });
    for (const content of [photo, `data:image/png;base64,${photo}`]) {
      const refused = await post(CHIP_A.instance, { ...image, content });
      expect(refused.status).toBe(400);
      expect((messageOf(refused) as string[])[0]).toMatch(/^Error: ENOENT: no such file or directory/);
    }
    expect(stack.sim.control.statusPosts().map((p) => p.content)).toEqual(['https://example.com/praia.jpg']);
  });

  it('needs named viewers: allContacts finds no address book, an empty or non-numeric list is refused', async () => {
    const all = await post(CHIP_A.instance, { ...TEXT, statusJidList: undefined, allContacts: true });
    expect([all.status, messageOf(all)]).toEqual([400, ['Contacts not found']]);
    const none = await post(CHIP_A.instance, { ...TEXT, statusJidList: undefined });
    expect(messageOf(none)).toEqual(['StatusJidList is required']);
    const empty = await post(CHIP_A.instance, { ...TEXT, statusJidList: [] });
    expect(messageOf(empty)).toEqual([['statusJidList does not meet minimum length of 1']]);
    const names = await post(CHIP_A.instance, { ...TEXT, statusJidList: ['ana'] });
    expect(messageOf(names)).toEqual([['"statusJidList" must be an array of numeric strings']]);
    const untyped = await post(CHIP_A.instance, { content: 'x' });
    expect(messageOf(untyped)).toEqual([['instance requires property "type"']]);
  });

  it('accepts bare digits in statusJidList but reaches nobody with them; only a full JID names a viewer', async () => {
    const answer = await post(CHIP_A.instance, { ...TEXT, statusJidList: [CHIP_B.phone, jid(CHIP_C.phone)] });
    expect(answer.status).toBe(201);
    expect(stack.sim.control.statusPosts()[0]).toMatchObject({
      statusJidList: [CHIP_B.phone, jid(CHIP_C.phone)],
      deliveredTo: [CHIP_C.instance],
    });
  });

  it('is viewed on arrival by a viewer whose settings read messages, and waits for an offline viewer', async () => {
    await rawCall(stack.sim, 'POST', `/settings/set/${CHIP_B.instance}`, {
      rejectCall: false,
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: true,
      readStatus: false,
      syncFullHistory: false,
    });
    stack.sim.control.disconnect(CHIP_C.instance);
    await post(CHIP_A.instance, { ...TEXT, statusJidList: [jid(CHIP_B.phone), jid(CHIP_C.phone)] });
    expect(stack.sim.control.statusPosts()[0]).toMatchObject({ deliveredTo: [CHIP_B.instance], viewedBy: [CHIP_B.instance] });
    stack.sim.control.connect(CHIP_C.instance);
    expect(stack.sim.control.statusPosts()[0]).toMatchObject({
      deliveredTo: [CHIP_B.instance, CHIP_C.instance],
      viewedBy: [CHIP_B.instance],
    });
  });

  it('fails on a closed instance with Connection Closed', async () => {
    stack.sim.control.disconnect(CHIP_A.instance);
    const closed = await post(CHIP_A.instance, TEXT);
    expect([closed.status, messageOf(closed)]).toEqual([400, ['Error: Connection Closed']]);
  });
});
