/**
 * The Evolution client's status posts over real HTTP against the simulator: full JIDs in statusJidList,
 * `allContacts` always false, and what the provider would fail on (font 0, an image from base64)
 * refused before any call.
 */
import { createMediaLibrary } from '../../../src/adapters/media/media-library';
import { createEvolutionClient, type EvolutionClient } from '../../../src/adapters/messaging/evolution';
import { ProviderUnavailable } from '../../../src/adapters/messaging/provider-unavailable';
import type { StatusPost } from '../../../src/adapters/messaging/status-port';
import { InvalidInput, InvalidPhone, ProviderDisconnected } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, startSimulatorWithChips } from '../../simulator/fixtures';
import { CHIP_C, jid } from '../../simulator/person-fixtures';

const photo = createMediaLibrary().get('image-ceu-azul')!.base64;
const TEXT: StatusPost = { type: 'text', content: 'Bom dia! ☀️', backgroundColor: '#25D366', font: 2, statusJidList: [jid(CHIP_B.phone)] };

let sim: Simulator;
let client: EvolutionClient;
const statusRequests = () => sim.control.requests().filter((r) => r.path.startsWith('/message/sendStatus/'));

beforeEach(async () => {
  sim = await startSimulatorWithChips();
  sim.control.addInstance(CHIP_C.instance, CHIP_C.phone);
  client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5 });
});
afterEach(async () => {
  // Whatever a test did, no status request ever asked for allContacts.
  expect(statusRequests().every((r) => (r.body as { allContacts?: unknown }).allContacts === false)).toBe(true);
  await sim.close();
});

describe('Evolution client: status posts', () => {
  it('posts a text status to the fleet chips it names, as full JIDs (digits are turned into JIDs)', async () => {
    const sent = await client.sendStatus(CHIP_A.instance, {
      ...TEXT,
      statusJidList: [jid(CHIP_B.phone), `+${CHIP_C.phone}`, jid(CHIP_B.phone)],
    });

    expect(sent.key).toEqual({ remoteJid: 'status@broadcast', fromMe: true, id: expect.stringMatching(/^3EB0/) });
    expect(statusRequests()[0]).toMatchObject({
      status: 201,
      body: {
        type: 'text',
        content: 'Bom dia! ☀️',
        backgroundColor: '#25D366',
        font: 2,
        statusJidList: [jid(CHIP_B.phone), jid(CHIP_C.phone)],
        allContacts: false,
      },
    });
    expect(sim.control.statusPosts()).toEqual([
      expect.objectContaining({ messageId: sent.key.id, deliveredTo: [CHIP_B.instance, CHIP_C.instance], allContacts: false }),
    ]);
  });

  it('posts an image status from a URL with its caption', async () => {
    await client.sendStatus(CHIP_A.instance, {
      type: 'image',
      content: 'https://example.com/praia.jpg',
      caption: 'fim de tarde',
      statusJidList: [jid(CHIP_B.phone)],
    });
    expect(statusRequests()[0]!.body).toEqual({
      type: 'image',
      content: 'https://example.com/praia.jpg',
      caption: 'fim de tarde',
      statusJidList: [jid(CHIP_B.phone)],
      allContacts: false,
    });
    expect(sim.control.statusPosts()[0]).toMatchObject({ type: 'image', deliveredTo: [CHIP_B.instance] });
  });

  it('refuses before any call what the provider would fail on or get wrong', async () => {
    const refusals: Array<[StatusPost, RegExp]> = [
      [{ ...TEXT, font: 0 as never }, /font from 1 to 5 \(the provider refuses 0\)/],
      [{ ...TEXT, backgroundColor: 'green' }, /backgroundColor as #RRGGBB/],
      [{ ...TEXT, content: '  ' }, /non-empty content/],
      [{ type: 'image', content: photo, statusJidList: [jid(CHIP_B.phone)] }, /http\(s\) URL the provider can fetch/],
      [
        { type: 'image', content: `data:image/png;base64,${photo}`, statusJidList: [jid(CHIP_B.phone)] },
        /cannot post one from base64 or a data: URI/,
      ],
      [{ ...TEXT, statusJidList: [] }, /must name its viewers in statusJidList/],
      [{ ...TEXT, statusJidList: ['120363000000000000@g.us'] }, /must be a user JID/],
      [{ ...TEXT, type: 'video' } as unknown as StatusPost, /'text' or 'image'/],
    ];
    for (const [post, message] of refusals) {
      const err = await client.sendStatus(CHIP_A.instance, post).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInput);
      expect((err as Error).message).toMatch(message);
    }
    await expect(client.sendStatus(CHIP_A.instance, { ...TEXT, statusJidList: ['ana'] })).rejects.toBeInstanceOf(InvalidPhone);
    expect(sim.control.requests()).toHaveLength(0);
  });

  it('is never retried (a retry could post twice), and a closed instance is ProviderDisconnected', async () => {
    sim.control.failNextRequests(CHIP_A.instance, 1);
    await expect(client.sendStatus(CHIP_A.instance, TEXT)).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(statusRequests()).toHaveLength(1);
    sim.control.disconnect(CHIP_A.instance);
    await expect(client.sendStatus(CHIP_A.instance, TEXT)).rejects.toBeInstanceOf(ProviderDisconnected);
    expect(sim.control.statusPosts()).toEqual([]);
  });
});
