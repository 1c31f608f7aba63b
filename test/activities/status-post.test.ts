/**
 * The postStatus activity over real HTTP against the simulator, with the embedded database: the post
 * names the fleet's other chips as full JIDs and nobody else (never allContacts), a viewer whose
 * settings read on arrival views it, the database records it sent, a repeated key posts nothing, the
 * phase's daily status limit holds, and a provider refusal is recorded as failed.
 */
import type { ChipRecord } from '../../src/adapters/db/port';
import { startIntegrationStack, SIM_API_KEY, type IntegrationStack } from '../helpers/integration';
import { at } from '../helpers/db-fixtures';
import { statusTextPost } from '../../src/domain/status-rules';
import type { PostStatusInput } from '../../src/activities/types';
import { toSlackMessage } from '../../src/adapters/notify/messages';
import { programClock, programDay } from '../../src/domain/clock';

const DAY = '2025-03-03';
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

let stack: IntegrationStack;
beforeAll(async () => {
  stack = await startIntegrationStack();
});
afterAll(async () => {
  await stack.close();
});

async function chip(phone: string, fleetId: string, phase?: 'expansao' | 'primeiros_contatos'): Promise<ChipRecord> {
  const instanceName = `inst-${phone.slice(-4)}`;
  stack.sim.control.addInstance(instanceName, phone);
  const registered = await stack.db.registerChip({ phone, instanceName, fleetId });
  if (!phase) return registered;
  return stack.db.promoteChip({ chipId: registered.id, from: 'setup', to: phase, health: 70, replyRate: 0.5, at: at() });
}

const input = (poster: ChipRecord, seq: number): PostStatusInput => ({
  chip: { chipId: poster.id, phone: poster.phone, instanceName: poster.instanceName },
  key: `status:${poster.id}:${DAY}:${seq}`,
  day: DAY,
  atMs: Date.parse(at()),
  post: statusTextPost(poster.id, DAY, seq),
});

async function readOnArrival(instance: string): Promise<void> {
  const res = await fetch(`${stack.sim.url}/settings/set/${instance}`, {
    method: 'POST',
    headers: { apikey: SIM_API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({
      rejectCall: true,
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: true,
      readStatus: true,
      syncFullHistory: false,
    }),
  });
  expect(res.status).toBeLessThan(300);
}

test('a status reaches the fleet only, is viewed by a chip that reads on arrival, and is recorded once', async () => {
  const poster = await chip('5511970000101', 'f1', 'expansao');
  const reader = await chip('5511970000102', 'f1', 'expansao');
  const mate = await chip('5511970000103', 'f1');
  const outsider = await chip('5511970000199', 'f2', 'expansao');
  await readOnArrival(reader.instanceName);

  expect(await stack.activities.postStatus(input(poster, 1))).toEqual({ kind: 'posted', viewers: 2 });
  await stack.sim.control.idle();
  const [post, ...others] = stack.sim.control.statusPosts();
  expect(others).toEqual([]);
  expect(post).toMatchObject({ instance: poster.instanceName, type: 'text', allContacts: false });
  expect([...post!.statusJidList].sort()).toEqual([jid(reader.phone), jid(mate.phone)].sort());
  expect([...post!.deliveredTo].sort()).toEqual([reader.instanceName, mate.instanceName].sort());
  expect(post!.deliveredTo).not.toContain(outsider.instanceName);
  expect(post!.viewedBy).toEqual([reader.instanceName]);
  expect(post!.font).toBeGreaterThanOrEqual(1);
  // The request as the provider got it: named viewers, allContacts false.
  const request = stack.sim.control.requests().find((r) => r.path.startsWith('/message/sendStatus/'));
  expect(request?.body).toMatchObject({ allContacts: false, statusJidList: post!.statusJidList });

  const rows = await stack.sql.query('select estado, viewers, provider_message_id from warmup_status_posts');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ estado: 'sent', provider_message_id: expect.any(String) });

  // A retried activity posts nothing new.
  expect(await stack.activities.postStatus(input(poster, 1))).toEqual({ kind: 'posted', viewers: 2 });
  expect(stack.sim.control.statusPosts()).toHaveLength(1);
  // expansao allows two a day: the third is refused by the database and never reaches the provider.
  expect(await stack.activities.postStatus(input(poster, 2))).toEqual({ kind: 'posted', viewers: 2 });
  expect(await stack.activities.postStatus(input(poster, 3))).toEqual({ kind: 'not_posted', reason: 'refused', detail: 'DailyCapReached' });
  expect(stack.sim.control.statusPosts()).toHaveLength(2);
  expect(await stack.db.statusPostCounts({ day: DAY, chipId: poster.id })).toEqual([{ chipId: poster.id, today: 2, total: 2 }]);
});

test('a disconnected poster: the provider refuses, the post is recorded failed and not retried', async () => {
  const poster = await chip('5511970000201', 'f1', 'primeiros_contatos');
  await chip('5511970000202', 'f1', 'expansao');
  stack.sim.control.disconnect(poster.instanceName);
  const result = await stack.activities.postStatus(input(poster, 1));
  expect(result).toMatchObject({ kind: 'not_posted', reason: 'provider_error' });
  const rows = await stack.sql.query('select estado, erro from warmup_status_posts where chip_id = $1', [poster.id]);
  expect(rows).toEqual([{ estado: 'failed', erro: expect.stringMatching(/Connection Closed|disconnect/i) }]);
  expect(await stack.activities.postStatus(input(poster, 1))).toEqual({ kind: 'not_posted', reason: 'already_settled', detail: 'failed' });
  expect(stack.sim.control.statusPosts().filter((p) => p.instance === poster.instanceName)).toEqual([]);
});

test("the daily summary counts the fleet's status posts of the day", async () => {
  const today = programDay(programClock(), Date.now());
  const poster = await chip('5511970000301', 'f3', 'expansao');
  await chip('5511970000302', 'f3', 'expansao');
  const before = (await stack.db.statusPostCounts({ day: today })).reduce((sum, c) => sum + c.today, 0);
  expect(await stack.activities.postStatus({ ...input(poster, 1), day: today, key: `status:${poster.id}:${today}:1` })).toEqual({
    kind: 'posted',
    viewers: 1,
  });
  await stack.activities.sendDailySummary();
  const summary = stack.notifications.filter((n) => n.kind === 'daily_summary').at(-1);
  expect(summary).toMatchObject({ kind: 'daily_summary', statusPosts: before + 1 });
  expect(toSlackMessage(summary!).text).toContain(`Status postados hoje: ${before + 1}`);
});
