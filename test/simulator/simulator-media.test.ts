/**
 * The simulator's sendReaction, sendSticker, sendMedia and sendWhatsAppAudio endpoints, called with
 * raw HTTP: Evolution's validation and error envelopes, and the deliveries and webhooks they cause.
 */
import { createMediaLibrary } from '../../src/adapters/media/media-library';
import type { Simulator } from '../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, SECRET, startRecordingReceiver, startSimulatorWithChips, type RecordingReceiver } from './fixtures';

const library = createMediaLibrary();
const sticker = library.get('sticker-sorriso')!.base64;
const photo = library.get('image-ceu-azul')!.base64;
const voice = library.get('audio-medio')!.base64;
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

let sim: Simulator;
let receiver: RecordingReceiver;

beforeEach(async () => {
  receiver = await startRecordingReceiver();
  sim = await startSimulatorWithChips({ webhookUrl: receiver.url, webhookHeaders: { 'x-warmer-secret': SECRET } });
});
afterEach(async () => {
  await sim.close();
  await receiver.close();
});

async function post(
  action: string,
  instance: string,
  body: unknown,
  apikey = API_KEY,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/message/${action}/${instance}`, {
    method: 'POST',
    headers: { apikey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const messageOf = (r: { json: Record<string, unknown> }) => (r.json.response as { message: unknown }).message;

describe('simulator: non-text sends', () => {
  it('answers 201 with the Evolution message of each kind and delivers it like text (inbound + delivered webhooks)', async () => {
    const text = await post('sendText', CHIP_B.instance, { number: CHIP_A.phone, text: 'bom dia' });
    const textId = (text.json.key as { id: string }).id;
    const answers = [
      await post('sendReaction', CHIP_A.instance, { key: { remoteJid: jid(CHIP_B.phone), fromMe: false, id: textId }, reaction: '🙏' }),
      await post('sendSticker', CHIP_A.instance, { number: CHIP_B.phone, sticker }),
      await post('sendMedia', CHIP_A.instance, {
        number: CHIP_B.phone,
        mediatype: 'image',
        mimetype: 'image/png',
        media: photo,
        fileName: 'ceu.png',
        caption: 'olha o céu',
      }),
      await post('sendWhatsAppAudio', CHIP_A.instance, { number: CHIP_B.phone, audio: voice }),
    ];
    expect(answers.map((a) => [a.status, a.json.messageType, a.json.status])).toEqual([
      [201, 'reactionMessage', 'PENDING'],
      [201, 'stickerMessage', 'PENDING'],
      [201, 'imageMessage', 'PENDING'],
      [201, 'audioMessage', 'PENDING'],
    ]);
    expect(answers[0]!.json.message).toEqual({
      reactionMessage: {
        key: { remoteJid: jid(CHIP_B.phone), fromMe: false, id: textId },
        text: '🙏',
        senderTimestampMs: expect.any(String),
      },
    });
    expect((answers[2]!.json.message as { imageMessage: unknown }).imageMessage).toMatchObject({
      caption: 'olha o céu',
      mimetype: 'image/png',
    });
    expect((answers[3]!.json.message as { audioMessage: unknown }).audioMessage).toMatchObject({ ptt: true, seconds: 3 });

    const ids = answers.map((a) => (a.json.key as { id: string }).id);
    expect(
      sim.control
        .sent()
        .slice(1)
        .map((s) => [s.messageId, s.kind, s.toPhone]),
    ).toEqual([
      [ids[0], 'reaction', CHIP_B.phone],
      [ids[1], 'sticker', CHIP_B.phone],
      [ids[2], 'image', CHIP_B.phone],
      [ids[3], 'audio', CHIP_B.phone],
    ]);
    await sim.control.idle();
    for (const id of ids) {
      expect(sim.control.deliveryCount(id)).toBe(1);
      expect(receiver.events.filter((e) => e.messageId === id).map((e) => [e.chipId, e.kind])).toEqual([
        [CHIP_B.chipId, 'inbound'],
        [CHIP_A.chipId, 'delivered'],
      ]);
    }
  });

  it('a media message to a disconnected receiver waits and is delivered once when it reconnects', async () => {
    sim.control.disconnect(CHIP_B.instance);
    const sent = await post('sendSticker', CHIP_A.instance, { number: CHIP_B.phone, sticker });
    expect(sent.status).toBe(201);
    expect(sim.control.pendingDeliveries(CHIP_B.instance)).toBe(1);
    sim.control.connect(CHIP_B.instance);
    expect(sim.control.deliveryCount((sent.json.key as { id: string }).id)).toBe(1);
  });

  it('guards first: unknown instance 404 (whatever the key), bad key 401, closed sender 400 Connection Closed', async () => {
    for (const action of ['sendReaction', 'sendSticker', 'sendMedia', 'sendWhatsAppAudio']) {
      expect((await post(action, 'ghost', {}, 'bad')).status).toBe(404);
      const unauthorized = await post(action, CHIP_A.instance, {}, 'bad');
      expect([unauthorized.status, messageOf(unauthorized)]).toEqual([401, 'Unauthorized']);
    }
    sim.control.ban(CHIP_A.instance, 403);
    const closed = await post('sendSticker', CHIP_A.instance, { number: CHIP_B.phone, sticker });
    expect([closed.status, messageOf(closed)]).toEqual([400, ['Error: Connection Closed']]);
    expect(sim.control.sent()).toHaveLength(0);
  });

  it('validates bodies like Evolution: schema errors, the controller checks, then the conversion of the bytes', async () => {
    const key = { remoteJid: jid(CHIP_B.phone), fromMe: false, id: 'ABC' };
    const cases: Array<[string, unknown, number, unknown]> = [
      ['sendReaction', { reaction: '👍' }, 400, [['instance requires property "key"']]],
      [
        'sendReaction',
        { key: { id: 'ABC' }, reaction: '👍' },
        400,
        [['instance.key requires property "remoteJid"', 'instance.key requires property "fromMe"']],
      ],
      ['sendReaction', { key: { ...key, id: '' }, reaction: '👍' }, 400, [['instance.key.id does not meet minimum length of 1']]],
      ['sendReaction', { key: { ...key, fromMe: 'no' }, reaction: '👍' }, 400, [['instance.key.fromMe is not of a type(s) boolean']]],
      ['sendReaction', { key, reaction: 'legal' }, 400, ['Reaction must be a single emoji or empty string']],
      ['sendSticker', { sticker }, 400, [['instance requires property "number"']]],
      ['sendSticker', { number: CHIP_B.phone }, 400, ['Owned media must be a url or base64']],
      ['sendSticker', { number: CHIP_B.phone, sticker: `data:image/webp;base64,${sticker}` }, 400, ['Owned media must be a url or base64']],
      ['sendSticker', { number: CHIP_B.phone, sticker: voice }, 500, ['Input buffer contains unsupported image format']],
      ['sendMedia', { number: CHIP_B.phone, media: photo }, 400, [['instance requires property "mediatype"']]],
      [
        'sendMedia',
        { number: CHIP_B.phone, mediatype: 'gif', media: photo },
        400,
        [['instance.mediatype is not one of enum values: image,document,video,audio']],
      ],
      ['sendMedia', { number: CHIP_B.phone, mediatype: 'document', media: photo }, 400, ['For base64 the file name must be informed.']],
      ['sendMedia', { number: CHIP_B.phone, mediatype: 'image', media: 'not base64!' }, 400, ['Owned media must be a url or base64']],
      ['sendMedia', { number: CHIP_B.phone, mediatype: 'image', media: voice }, 500, ['Input buffer contains unsupported image format']],
      ['sendWhatsAppAudio', { number: CHIP_B.phone }, 400, ['Owned media must be a url, base64, or valid file with buffer']],
      ['sendWhatsAppAudio', { number: CHIP_B.phone, audio: photo }, 500, ['Invalid data found when processing input']],
      ['sendWhatsAppAudio', { number: 5511990000002, audio: voice }, 400, [['instance.number is not of a type(s) string']]],
    ];
    for (const [action, body, status, message] of cases) {
      const answer = await post(action, CHIP_A.instance, body);
      expect([action, answer.status, messageOf(answer)]).toEqual([action, status, message]);
    }
    expect(sim.control.sent()).toHaveLength(0);
    // A removed reaction (empty string) is valid, and URLs are accepted (never fetched).
    expect((await post('sendReaction', CHIP_A.instance, { key, reaction: '' })).status).toBe(201);
    expect((await post('sendSticker', CHIP_A.instance, { number: CHIP_B.phone, sticker: 'https://example.invalid/s.webp' })).status).toBe(
      201,
    );
  });

  it('injected failures apply to every kind of send', async () => {
    sim.control.failNextSends(CHIP_A.instance, 1);
    const failed = await post('sendWhatsAppAudio', CHIP_A.instance, { number: CHIP_B.phone, audio: voice });
    expect([failed.status, messageOf(failed)]).toEqual([500, 'Simulated provider failure']);
    expect((await post('sendWhatsAppAudio', CHIP_A.instance, { number: CHIP_B.phone, audio: voice })).status).toBe(201);
  });
});
