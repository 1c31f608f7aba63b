/**
 * The Evolution client's profile and settings calls over real HTTP against the simulator: the bodies
 * it sends, what it refuses before calling, retries (all idempotent) and the error classes.
 */
import { createMediaLibrary } from '../../../src/adapters/media/media-library';
import { createEvolutionClient, type EvolutionClient } from '../../../src/adapters/messaging/evolution';
import type { InstanceSettings, PrivacySettings } from '../../../src/adapters/messaging/profile-port';
import { InvalidInput, ProviderConfig, ProviderDisconnected } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, startSimulatorWithChips } from '../../simulator/fixtures';

const photo = createMediaLibrary().get('image-ceu-azul')!.base64;
const PRIVACY: PrivacySettings = {
  readreceipts: 'all',
  profile: 'contacts',
  status: 'contacts',
  online: 'match_last_seen',
  last: 'contacts',
  groupadd: 'contacts',
};
const SETTINGS: InstanceSettings = {
  rejectCall: true,
  msgCall: 'Oi! Agora não consigo atender, me manda mensagem?',
  groupsIgnore: false,
  alwaysOnline: false,
  readMessages: false,
  readStatus: false,
  syncFullHistory: false,
};

let sim: Simulator;
let client: EvolutionClient;
const requestsTo = (path: string) => sim.control.requests().filter((r) => r.path.startsWith(path));

beforeEach(async () => {
  sim = await startSimulatorWithChips();
  client = createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5 });
});
afterEach(async () => {
  await sim.close();
});

describe('Evolution client: profile', () => {
  it('sets the name and the about text (trimmed) with the provider bodies', async () => {
    await client.updateProfileName(CHIP_A.instance, '  Ana Paula ');
    await client.updateProfileStatus(CHIP_A.instance, 'Café, livros e praia ☕');

    expect(requestsTo('/chat/updateProfile').map((r) => [r.path, r.body, r.status])).toEqual([
      [`/chat/updateProfileName/${CHIP_A.instance}`, { name: 'Ana Paula' }, 200],
      [`/chat/updateProfileStatus/${CHIP_A.instance}`, { status: 'Café, livros e praia ☕' }, 200],
    ]);
    expect(sim.control.profile(CHIP_A.instance)).toMatchObject({ name: 'Ana Paula', about: 'Café, livros e praia ☕' });
  });

  it('sets a picture from a URL or from plain base64', async () => {
    await client.updateProfilePicture(CHIP_A.instance, 'https://example.com/ana.jpg');
    expect(sim.control.profile(CHIP_A.instance).picture).toEqual({ source: 'url', url: 'https://example.com/ana.jpg' });
    await client.updateProfilePicture(CHIP_A.instance, photo);
    expect(sim.control.profile(CHIP_A.instance).picture).toEqual({ source: 'base64', bytes: Buffer.from(photo, 'base64').length });
    expect(requestsTo('/chat/updateProfilePicture/').map((r) => r.body)).toEqual([
      { picture: 'https://example.com/ana.jpg' },
      { picture: photo },
    ]);
  });

  it('refuses before any call: an empty or too long name or about text, a data: URI, a picture that is neither URL nor base64', async () => {
    const refusals: Array<[() => Promise<void>, RegExp]> = [
      [() => client.updateProfileName(CHIP_A.instance, '   '), /profile name must be a non-empty text/],
      [() => client.updateProfileName(CHIP_A.instance, 'A'.repeat(26)), /26 characters; WhatsApp allows at most 25/],
      [() => client.updateProfileStatus(CHIP_A.instance, 'x'.repeat(140)), /140 characters; WhatsApp allows at most 139/],
      [() => client.updateProfilePicture(CHIP_A.instance, `data:image/png;base64,${photo}`), /data: URI fails at the provider/],
      [() => client.updateProfilePicture(CHIP_A.instance, 'not a picture!'), /http\(s\) URL or plain base64/],
    ];
    for (const [call, message] of refusals) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInput);
      expect((err as Error).message).toMatch(message);
    }
    expect(sim.control.requests()).toHaveLength(0);
  });

  it('updates privacy with all six settings, and refuses a value the provider does not know', async () => {
    await client.updatePrivacySettings(CHIP_A.instance, PRIVACY);
    expect(requestsTo('/chat/updatePrivacySettings/')[0]).toMatchObject({ body: PRIVACY, status: 201 });
    expect(sim.control.profile(CHIP_A.instance).privacy).toEqual(PRIVACY);

    const wrong = { ...PRIVACY, online: 'contacts' } as unknown as PrivacySettings;
    await expect(client.updatePrivacySettings(CHIP_A.instance, wrong)).rejects.toThrow(/'online' must be one of all, match_last_seen/);
    expect(requestsTo('/chat/updatePrivacySettings/')).toHaveLength(1);
  });

  it('a profile call on a closed instance is ProviderDisconnected, not retried', async () => {
    sim.control.disconnect(CHIP_A.instance);
    await expect(client.updateProfileName(CHIP_A.instance, 'Ana')).rejects.toBeInstanceOf(ProviderDisconnected);
    await expect(client.updatePrivacySettings(CHIP_A.instance, PRIVACY)).rejects.toBeInstanceOf(ProviderDisconnected);
    expect(sim.control.requests().map((r) => r.status)).toEqual([500, 500]);
  });

  it('retries a profile call on a 5xx (each is idempotent) and gives up after the retries', async () => {
    sim.control.failNextRequests(CHIP_A.instance, 2);
    await client.updateProfileStatus(CHIP_A.instance, 'Bora viver');
    expect(requestsTo('/chat/updateProfileStatus/').map((r) => r.status)).toEqual([500, 500, 200]);

    sim.control.failNextRequests(CHIP_A.instance, 3, 503);
    await expect(client.updateProfileName(CHIP_A.instance, 'Ana')).rejects.toMatchObject({ retryable: true, status: 503 });
    expect(requestsTo('/chat/updateProfileName/')).toHaveLength(3);
  });

  it('a bad key is ProviderConfig on every profile call', async () => {
    const bad = createEvolutionClient({ baseUrl: sim.url, apiKey: 'wrong-key', retryBaseDelayMs: 5 });
    for (const call of [
      () => bad.updateProfileName(CHIP_A.instance, 'Ana'),
      () => bad.updateProfilePicture(CHIP_A.instance, photo),
      () => bad.setInstanceSettings(CHIP_A.instance, SETTINGS),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(ProviderConfig);
    }
    expect(sim.control.requests().map((r) => r.status)).toEqual([401, 401, 401]);
  });
});

describe('Evolution client: instance settings', () => {
  it('sends all six booleans and msgCall, and works while the instance is closed', async () => {
    sim.control.disconnect(CHIP_A.instance);
    await client.setInstanceSettings(CHIP_A.instance, SETTINGS);
    expect(requestsTo('/settings/set/')[0]).toMatchObject({ body: SETTINGS, status: 201 });
    expect(sim.control.instanceSettings(CHIP_A.instance)).toEqual(SETTINGS);
  });

  it('refuses settings with a flag missing or not a boolean before any call', async () => {
    const { readStatus: _r, ...partial } = SETTINGS;
    await expect(client.setInstanceSettings(CHIP_A.instance, partial as InstanceSettings)).rejects.toThrow(
      /'readStatus' must be true or false \(the provider requires all six\)/,
    );
    await expect(
      client.setInstanceSettings(CHIP_A.instance, { ...SETTINGS, alwaysOnline: 'no' } as unknown as InstanceSettings),
    ).rejects.toBeInstanceOf(InvalidInput);
    expect(sim.control.requests()).toHaveLength(0);
  });
});
