/**
 * runProfileSteps over real parts: the Evolution client over HTTP to the simulator (which validates
 * each route's shape) and the embedded database. Steps land at the provider once, a provider error
 * fails its step only, and two chips of a fleet never share a name or an about text.
 */
import { startIntegrationStack, type IntegrationStack } from '../helpers/integration';
import { PROFILE_STEPS } from '../../src/domain/profile-checklist';
import { CALL_REJECTED_MESSAGE } from '../../src/domain/profile-texts';
import { BUILT_IN_PROFILE_PHOTOS } from '../../src/adapters/media/profile-photo-data';

let stack: IntegrationStack;
beforeAll(async () => {
  stack = await startIntegrationStack();
});
afterAll(async () => {
  await stack?.close();
});

async function chip(label: string, phone: string, fleetId = 'perfil') {
  const record = await stack.db.registerChip({ phone, instanceName: label, fleetId });
  stack.sim.control.addInstance(label, phone);
  return { chipId: record.id, phone, instanceName: label };
}

test('applies every step at the provider once, as a person would have it', async () => {
  const a = await chip('perfil-a', '5511990000101');
  const result = await stack.activities.runProfileSteps({ chip: a, steps: [...PROFILE_STEPS], atMs: Date.now() });
  expect(result).toEqual({ done: [...PROFILE_STEPS], failed: [] });
  const profile = stack.sim.control.profile('perfil-a');
  expect(profile.name).toMatch(/^\S+ \S+$/);
  expect(profile.about).toBeTruthy();
  expect(profile.picture).toEqual({ source: 'base64', bytes: expect.any(Number) });
  expect(BUILT_IN_PROFILE_PHOTOS.length).toBeGreaterThan(0);
  expect(profile.privacy).toMatchObject({ readreceipts: 'all', groupadd: 'all' });
  expect(stack.sim.control.instanceSettings('perfil-a')).toMatchObject({
    rejectCall: true,
    msgCall: CALL_REJECTED_MESSAGE,
    groupsIgnore: false,
    alwaysOnline: false,
    readMessages: false,
  });
  // Done steps are not redone: a second run (a retried activity) calls nothing.
  const updates = profile.updates.length;
  expect(await stack.activities.runProfileSteps({ chip: a, steps: [...PROFILE_STEPS], atMs: Date.now() })).toEqual(result);
  expect(stack.sim.control.profile('perfil-a').updates.length).toBe(updates);
});

test('a provider error fails its step only, is recorded with its error, and the step succeeds when tried again', async () => {
  const b = await chip('perfil-b', '5511990000102');
  stack.sim.control.disconnect('perfil-b');
  const failed = await stack.activities.runProfileSteps({ chip: b, steps: ['name', 'about'], atMs: Date.now() });
  expect(failed.done).toEqual([]);
  expect(failed.failed.map((f) => f.step)).toEqual(['name', 'about']);
  const checklist = await stack.db.profileChecklist({ chipId: b.chipId });
  expect(checklist.find((s) => s.step === 'name')).toMatchObject({ doneAt: null, attempts: 1, lastError: expect.any(String) });
  stack.sim.control.connect('perfil-b');
  const healed = await stack.activities.runProfileSteps({ chip: b, steps: ['name', 'about'], atMs: Date.now() });
  expect(healed).toEqual({ done: ['name', 'about'], failed: [] });
});

test('no two chips of a fleet get the same name or about text', async () => {
  const chips = [];
  for (let i = 0; i < 6; i++) chips.push(await chip(`perfil-f${i}`, `55119900002${10 + i}`, 'fleet-unique'));
  for (const c of chips) await stack.activities.runProfileSteps({ chip: c, steps: ['name', 'about'], atMs: Date.now() });
  const names = chips.map((c) => stack.sim.control.profile(c.instanceName).name);
  const abouts = chips.map((c) => stack.sim.control.profile(c.instanceName).about);
  expect(new Set(names).size).toBe(chips.length);
  expect(new Set(abouts).size).toBe(chips.length);
});
