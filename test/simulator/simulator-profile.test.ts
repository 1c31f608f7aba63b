/**
 * The simulator's profile and settings routes called with raw HTTP: Evolution v2.3.6's schemas and
 * envelopes (nested arrays of messages), its 500s for what Baileys fails on, and the state tests read.
 */
import { createMediaLibrary } from '../../src/adapters/media/media-library';
import { API_KEY, CHIP_A } from './fixtures';
import { messageOf, rawCall, startPersonStack, type PersonStack } from './person-fixtures';

const photo = createMediaLibrary().get('image-ceu-azul')!.base64;
const PRIVACY = {
  readreceipts: 'all',
  profile: 'contacts',
  status: 'contacts',
  online: 'match_last_seen',
  last: 'contacts',
  groupadd: 'contacts',
};
const SETTINGS = {
  rejectCall: true,
  msgCall: 'Não posso atender agora, me manda mensagem?',
  groupsIgnore: false,
  alwaysOnline: false,
  readMessages: false,
  readStatus: false,
  syncFullHistory: false,
};

let stack: PersonStack;
const call = (method: string, path: string, body?: unknown, apikey?: string) => rawCall(stack.sim, method, path, body, apikey);

beforeEach(async () => {
  stack = await startPersonStack();
});
afterEach(async () => {
  await stack.close();
});

describe('simulator: profile routes', () => {
  it('sets the name and the about text (200 update success) and records every update', async () => {
    expect(await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: 'Ana Paula' })).toEqual({
      status: 200,
      json: { update: 'success' },
    });
    expect((await call('POST', `/chat/updateProfileStatus/${CHIP_A.instance}`, { status: 'Café, livros e praia ☕' })).status).toBe(200);
    await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: 'Ana Paula' });

    const profile = stack.sim.control.profile(CHIP_A.instance);
    expect(profile).toMatchObject({ name: 'Ana Paula', about: 'Café, livros e praia ☕', picture: null, privacy: null });
    expect(profile.updates.map((u) => u.field)).toEqual(['name', 'about', 'name']);
  });

  it('refuses an empty text only when the body has no other key, and a text of the wrong type', async () => {
    const empty = await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: '' });
    expect([empty.status, messageOf(empty)]).toEqual([400, [['The "name" cannot be empty']]]);
    const emptyAbout = await call('POST', `/chat/updateProfileStatus/${CHIP_A.instance}`, { status: '' });
    expect(messageOf(emptyAbout)).toEqual([['The "status" cannot be empty']]);
    const wrongType = await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: 5 });
    expect([wrongType.status, messageOf(wrongType)]).toEqual([400, [['name is not of a type(s) string']]]);
    // The schema requires nothing, so a body without a name reaches Baileys and fails there.
    const missing = await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, {});
    expect(missing.status).toBe(500);
    expect((messageOf(missing) as string[])[0]).toBe('Error updating profile name');
    expect(stack.sim.control.profile(CHIP_A.instance).updates).toEqual([]);
  });

  it('takes a picture as a URL or as plain base64 of an image; a data: URI or other bytes fail with a 500', async () => {
    expect((await call('POST', `/chat/updateProfilePicture/${CHIP_A.instance}`, { picture: 'https://example.com/ana.jpg' })).status).toBe(
      200,
    );
    expect(stack.sim.control.profile(CHIP_A.instance).picture).toEqual({ source: 'url', url: 'https://example.com/ana.jpg' });

    expect((await call('POST', `/chat/updateProfilePicture/${CHIP_A.instance}`, { picture: photo })).status).toBe(200);
    expect(stack.sim.control.profile(CHIP_A.instance).picture).toEqual({ source: 'base64', bytes: Buffer.from(photo, 'base64').length });

    const dataUri = await call('POST', `/chat/updateProfilePicture/${CHIP_A.instance}`, { picture: `data:image/png;base64,${photo}` });
    expect([dataUri.status, messageOf(dataUri)]).toEqual([500, ['Error updating profile picture', '[object Object]']]);
    const notAPicture = await call('POST', `/chat/updateProfilePicture/${CHIP_A.instance}`, {
      picture: Buffer.from('just some text, not a picture').toString('base64'),
    });
    expect(notAPicture.status).toBe(500);
    expect(stack.sim.control.profile(CHIP_A.instance).updates.map((u) => u.field)).toEqual(['picture', 'picture']);
  });

  it('updates privacy with all six settings (201) and names every missing or unknown one', async () => {
    const ok = await call('POST', `/chat/updatePrivacySettings/${CHIP_A.instance}`, PRIVACY);
    expect(ok).toEqual({ status: 201, json: { update: 'success', data: PRIVACY } });
    expect(stack.sim.control.profile(CHIP_A.instance).privacy).toEqual(PRIVACY);

    const { online: _online, last: _last, ...partial } = PRIVACY;
    const missing = await call('POST', `/chat/updatePrivacySettings/${CHIP_A.instance}`, partial);
    expect([missing.status, messageOf(missing)]).toEqual([
      400,
      [['instance requires property "online"', 'instance requires property "last"']],
    ]);
    const unknown = await call('POST', `/chat/updatePrivacySettings/${CHIP_A.instance}`, { ...PRIVACY, online: 'contacts' });
    expect(messageOf(unknown)).toEqual([['online is not one of enum values: all,match_last_seen']]);
  });

  it('fails every profile call of a closed instance inside Baileys (500 Connection Closed)', async () => {
    stack.sim.control.disconnect(CHIP_A.instance);
    for (const [action, body, failure] of [
      ['updateProfileName', { name: 'Ana' }, 'Error updating profile name'],
      ['updateProfileStatus', { status: 'oi' }, 'Error updating profile status'],
      ['updateProfilePicture', { picture: photo }, 'Error updating profile picture'],
      ['updatePrivacySettings', PRIVACY, 'Error updating privacy settings'],
    ] as const) {
      const answer = await call('POST', `/chat/${action}/${CHIP_A.instance}`, body);
      expect([answer.status, messageOf(answer)]).toEqual([500, [failure, 'Error: Connection Closed']]);
    }
  });

  it('guards like every instance route: unknown instance 404 before auth, bad key 401', async () => {
    const ghost = await call('POST', '/chat/updateProfileName/ghost', { name: 'x' }, 'wrong');
    expect([ghost.status, messageOf(ghost)]).toEqual([404, ['The "ghost" instance does not exist']]);
    const badKey = await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: 'x' }, 'wrong');
    expect(badKey.status).toBe(401);
    expect((await call('POST', `/chat/updateProfileName/${CHIP_A.instance}`, { name: 'x' }, API_KEY)).status).toBe(200);
  });
});

describe('simulator: instance settings', () => {
  it('starts from Evolution defaults, stores all six booleans and msgCall (201), even on a closed instance', async () => {
    expect(stack.sim.control.instanceSettings(CHIP_A.instance)).toEqual({
      rejectCall: false,
      msgCall: '',
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: false,
      readStatus: false,
      syncFullHistory: false,
    });
    stack.sim.control.disconnect(CHIP_A.instance);
    const set = await call('POST', `/settings/set/${CHIP_A.instance}`, SETTINGS);
    expect(set).toEqual({ status: 201, json: { settings: { instanceName: CHIP_A.instance, settings: SETTINGS } } });
    expect(stack.sim.control.instanceSettings(CHIP_A.instance)).toEqual(SETTINGS);
    expect((await call('GET', `/settings/find/${CHIP_A.instance}`)).json).toMatchObject(SETTINGS);
  });

  it('requires every boolean and names each missing or mistyped one', async () => {
    const onlyMessage = await call('POST', `/settings/set/${CHIP_A.instance}`, { msgCall: 'oi' });
    expect(onlyMessage.status).toBe(400);
    expect(messageOf(onlyMessage)).toEqual([
      ['rejectCall', 'groupsIgnore', 'alwaysOnline', 'readMessages', 'readStatus', 'syncFullHistory'].map(
        (p) => `instance requires property "${p}"`,
      ),
    ]);
    const mistyped = await call('POST', `/settings/set/${CHIP_A.instance}`, { ...SETTINGS, readMessages: 'false' });
    expect(messageOf(mistyped)).toEqual([['readMessages is not of a type(s) boolean']]);
    expect(stack.sim.control.instanceSettings(CHIP_A.instance).rejectCall).toBe(false);
  });
});
