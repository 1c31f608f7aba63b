/**
 * The Evolution client's non-text sends (reaction, sticker, image, voice note) over real HTTP
 * against the simulator: the request shapes of Evolution v2, the answers, the deliveries and
 * webhooks they cause, and how each failure is classified.
 */
import { createEvolutionClient, type EvolutionClient } from '../../../src/adapters/messaging/evolution';
import { ProviderUnavailable } from '../../../src/adapters/messaging/provider-unavailable';
import { createMediaLibrary } from '../../../src/adapters/media/media-library';
import { InvalidInput, InvalidPhone, NumberNotOnWhatsApp, ProviderConfig, ProviderDisconnected } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, OUTSIDER_PHONE, startSimulatorWithChips } from '../../simulator/fixtures';
import { startWebhookSink, type WebhookSink } from '../../simulator/webhook-sink';

let sim: Simulator;
let client: EvolutionClient;
let sink: WebhookSink;
const library = createMediaLibrary();
const sticker = library.get('sticker-coracao')!;
const photo = library.get('image-por-do-sol')!;
const voice = library.get('audio-curto')!;
const jidOf = (phone: string) => `${phone}@s.whatsapp.net`;

const makeClient = (overrides: Partial<Parameters<typeof createEvolutionClient>[0]> = {}): EvolutionClient =>
  createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5, ...overrides });
const requestsTo = (path: string) => sim.control.requests().filter((r) => r.path.startsWith(path));

beforeEach(async () => {
  sink = await startWebhookSink();
  sim = await startSimulatorWithChips({ webhookUrl: sink.url });
  client = makeClient();
});
afterEach(async () => {
  await sim.close();
  await sink.close();
});

/** One send of each new kind, from A to B (the reaction answers a message B sent to A). */
async function sendEveryKind(c: EvolutionClient, to = CHIP_B.phone) {
  const received = await client.sendText(CHIP_B.instance, CHIP_A.phone, 'olha isso');
  return {
    reaction: () => c.sendReaction(CHIP_A.instance, { remoteJid: jidOf(to), fromMe: false, id: received.key.id }, '😂'),
    sticker: () => c.sendSticker(CHIP_A.instance, to, sticker.base64),
    image: () => c.sendImage(CHIP_A.instance, to, { ...photo, caption: 'pôr do sol daqui' }),
    audio: () => c.sendVoiceNote(CHIP_A.instance, to, voice.base64),
  };
}

describe('reaction, sticker, image and voice note over real HTTP', () => {
  it('sendReaction posts { key, reaction } for the partner message and the partner receives the reaction', async () => {
    const received = await client.sendText(CHIP_B.instance, CHIP_A.phone, 'passei na prova!');
    const key = { remoteJid: jidOf(CHIP_B.phone), fromMe: false, id: received.key.id };
    const sent = await client.sendReaction(CHIP_A.instance, key, '👏');

    expect(requestsTo('/message/sendReaction/')[0]).toMatchObject({ status: 201, body: { key, reaction: '👏' } });
    expect(sent.key).toMatchObject({ remoteJid: jidOf(CHIP_B.phone), fromMe: true });
    expect(sent.key.id).not.toBe(received.key.id);
    const delivery = sim.control.deliveries().find((d) => d.messageId === sent.key.id);
    expect(delivery).toMatchObject({ kind: 'reaction', text: '👏', reactedTo: received.key.id, toInstance: CHIP_B.instance });
    // Plain digits for the JID are turned into one, like markRead does.
    await client.sendReaction(CHIP_A.instance, { remoteJid: CHIP_B.phone, fromMe: false, id: received.key.id }, '❤️');
    expect((requestsTo('/message/sendReaction/')[1]?.body as { key: { remoteJid: string } }).key.remoteJid).toBe(jidOf(CHIP_B.phone));
  });

  it('sendSticker, sendImage and sendVoiceNote post Evolution v2 bodies with the file inline and are delivered', async () => {
    const s = await client.sendSticker(CHIP_A.instance, `+${CHIP_B.phone}`, sticker.base64);
    const i = await client.sendImage(CHIP_A.instance, CHIP_B.phone, { ...photo, caption: 'pôr do sol daqui' });
    const a = await client.sendVoiceNote(CHIP_A.instance, CHIP_B.phone, voice.base64);

    expect(requestsTo('/message/sendSticker/')[0]).toMatchObject({ status: 201, body: { number: CHIP_B.phone, sticker: sticker.base64 } });
    expect(requestsTo('/message/sendMedia/')[0]).toMatchObject({
      status: 201,
      body: {
        number: CHIP_B.phone,
        mediatype: 'image',
        mimetype: 'image/png',
        media: photo.base64,
        fileName: 'image-por-do-sol.png',
        caption: 'pôr do sol daqui',
      },
    });
    expect(requestsTo('/message/sendWhatsAppAudio/')[0]).toMatchObject({
      status: 201,
      body: { number: CHIP_B.phone, audio: voice.base64 },
    });
    for (const sent of [s, i, a]) {
      expect(sent.key).toEqual({ remoteJid: jidOf(CHIP_B.phone), fromMe: true, id: expect.stringMatching(/^3EB0/) });
      expect(sim.control.deliveryCount(sent.key.id)).toBe(1);
    }
    expect(sim.control.messagesBetween(CHIP_A.instance, CHIP_B.instance).map((d) => [d.kind, d.text])).toEqual([
      ['sticker', ''],
      ['image', 'pôr do sol daqui'],
      ['audio', ''],
    ]);
  });

  it('each kind reaches the receiver as a messages.upsert of its Evolution messageType, and the sender gets the ack', async () => {
    const sends = await sendEveryKind(client);
    for (const send of Object.values(sends)) await send();
    await sim.control.idle();
    const upserts = sink.received.filter((w) => w.body.event === 'messages.upsert' && w.body.instance === CHIP_B.instance);
    expect(upserts.map((w) => (w.body.data as { messageType: string }).messageType)).toEqual([
      'reactionMessage',
      'stickerMessage',
      'imageMessage',
      'audioMessage',
    ]);
    const audio = upserts[3]!.body.data as { message: { audioMessage: { ptt: boolean; seconds: number; mimetype: string } } };
    expect(audio.message.audioMessage).toMatchObject({ ptt: true, seconds: 2, mimetype: 'audio/ogg; codecs=opus' });
    const acks = sink.received.filter((w) => w.body.event === 'messages.update' && w.body.instance === CHIP_A.instance);
    expect(acks).toHaveLength(4);
  });

  it('refuses a reaction that is not one emoji, and an invalid phone, before any HTTP call', async () => {
    const key = { remoteJid: jidOf(CHIP_B.phone), fromMe: false, id: 'ABC' };
    for (const bad of ['ok', '👍👍', '', 'a👍']) {
      await expect(client.sendReaction(CHIP_A.instance, key, bad)).rejects.toBeInstanceOf(InvalidInput);
    }
    await expect(client.sendSticker(CHIP_A.instance, 'not-a-phone', sticker.base64)).rejects.toBeInstanceOf(InvalidPhone);
    await expect(client.sendImage(CHIP_A.instance, '12', photo)).rejects.toBeInstanceOf(InvalidPhone);
    await expect(client.sendVoiceNote(CHIP_A.instance, '', voice.base64)).rejects.toBeInstanceOf(InvalidPhone);
    expect(sim.control.requests()).toHaveLength(0);
  });

  it('the provider refusing the media (400 "Owned media must be a url or base64") is a non-retryable InvalidInput', async () => {
    const notBase64 = 'data:image/png;base64,' + photo.base64; // Evolution refuses the data: prefix
    await expect(client.sendSticker(CHIP_A.instance, CHIP_B.phone, notBase64)).rejects.toThrow(/400 Owned media must be a url or base64/);
    await expect(client.sendImage(CHIP_A.instance, CHIP_B.phone, { ...photo, base64: notBase64 })).rejects.toBeInstanceOf(InvalidInput);
    await expect(client.sendVoiceNote(CHIP_A.instance, CHIP_B.phone, 'not base64!')).rejects.toThrow(/Owned media must be a url, base64/);
    expect(sim.control.requests().map((r) => r.status)).toEqual([400, 400, 400]);
    expect(sim.control.deliveries()).toHaveLength(0);
  });

  it('bytes the provider cannot convert (500) are a retryable ProviderUnavailable, never retried by the client', async () => {
    const text = Buffer.from('definitely not a picture').toString('base64');
    const err = await client.sendSticker(CHIP_A.instance, CHIP_B.phone, text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailable);
    expect(err).toMatchObject({ status: 500, reason: 'server_error' });
    await expect(client.sendVoiceNote(CHIP_A.instance, CHIP_B.phone, photo.base64)).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(requestsTo('/message/sendSticker/')).toHaveLength(1);
    expect(requestsTo('/message/sendWhatsAppAudio/')).toHaveLength(1);
  });

  it('a number not on WhatsApp is NumberNotOnWhatsApp (masked) for the sends to a number', async () => {
    sim.control.markUnregistered(OUTSIDER_PHONE);
    const sends = await sendEveryKind(client, OUTSIDER_PHONE);
    for (const kind of ['sticker', 'image', 'audio'] as const) {
      const err = await sends[kind]().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NumberNotOnWhatsApp);
      expect((err as Error).message).toContain('***9999');
      expect((err as Error).message).not.toContain(OUTSIDER_PHONE);
    }
  });

  it('a disconnected or banned sender is ProviderDisconnected on every kind, attempted once', async () => {
    const sends = await sendEveryKind(client);
    sim.control.disconnect(CHIP_A.instance);
    for (const send of Object.values(sends)) await expect(send()).rejects.toBeInstanceOf(ProviderDisconnected);
    sim.control.connect(CHIP_A.instance);
    sim.control.ban(CHIP_A.instance, 403);
    await expect(sends.reaction()).rejects.toBeInstanceOf(ProviderDisconnected);
    expect(sim.control.requests().filter((r) => r.instance === CHIP_A.instance && r.status === 400)).toHaveLength(5);
  });

  it('bad key (401) and unknown instance (404) are ProviderConfig; a 5xx is never retried on any send', async () => {
    const sends = await sendEveryKind(makeClient({ apiKey: 'wrong-key' }));
    for (const send of Object.values(sends)) await expect(send()).rejects.toThrow(/API key/);
    const ghost = makeClient();
    await expect(ghost.sendSticker('ghost', CHIP_B.phone, sticker.base64)).rejects.toBeInstanceOf(ProviderConfig);
    await expect(ghost.sendReaction('ghost', { remoteJid: jidOf(CHIP_B.phone), fromMe: false, id: 'X' }, '👍')).rejects.toThrow(
      /no instance named 'ghost'/,
    );

    sim.control.failNextSends(CHIP_A.instance, 4);
    const ok = await sendEveryKind(client);
    for (const send of Object.values(ok)) await expect(send()).rejects.toMatchObject({ status: 500, retryable: true });
    const fromA = sim.control.requests().filter((r) => r.instance === CHIP_A.instance && r.path.startsWith('/message/'));
    expect(fromA.filter((r) => r.status === 500)).toHaveLength(4); // one attempt each
    expect(sim.control.deliveries().filter((d) => d.fromInstance === CHIP_A.instance)).toHaveLength(0);
  });
});
