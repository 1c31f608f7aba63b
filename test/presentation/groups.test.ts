/**
 * How a chip's closed groups of the fleet are shown: the console's "Grupos" card, the line of
 * `warmer chip status`, and the daily summary's group figures, with phones and group JIDs masked.
 */
import { toSlackMessage } from '../../src/adapters/notify/messages';
import { groupsCard } from '../../src/console/groups-card';
import { groupLine, groupViews } from '../../src/presentation/groups';

const group = {
  groupJid: '120363025246125486@g.us',
  name: 'Futebol de quinta',
  createdAt: '2025-03-03T12:00:00.000Z',
  members: [
    { chipId: 'a', phone: '5511970001111', status: 'warming', leftAt: null, messagesSent: 7 },
    { chipId: 'b', phone: '5511970002222', status: 'paused', leftAt: null, messagesSent: 3 },
    { chipId: 'c', phone: '5511970003333', status: 'retired', leftAt: '2025-03-05T12:00:00.000Z', messagesSent: 2 },
    { chipId: 'd', phone: '5511970004444', status: 'ready', leftAt: null, messagesSent: 0 },
  ],
};

test('a group shows its present members first, its messages and what this chip sent, masked', () => {
  const [view] = groupViews([group], 'b');
  expect(view).toMatchObject({ name: 'Futebol de quinta', group: '***5486@g.us', size: 3, messages: 12, mine: 3 });
  expect(view!.members.map((m) => [m.phone, m.left, m.me])).toEqual([
    ['***1111', false, false],
    ['***2222', false, true],
    ['***4444', false, false],
    ['***3333', true, false],
  ]);
  const line = groupLine(view!);
  expect(line).toBe('Futebol de quinta (***5486@g.us): 3 members, 12 messages, 3 from this chip; ***1111, ***2222 (this chip), ***4444');
  expect(line).not.toMatch(/5511970/);
});

test('the console card lists each group with its members in Portuguese, and says when there is none', () => {
  const html = groupsCard(groupViews([group], 'a'));
  expect(html).toContain('Futebol de quinta');
  expect(html).toContain('3 membros · 12 mensagens (7 deste chip)');
  expect(html).toContain('***2222');
  expect(html).toContain('pausado');
  expect(html).toContain('saiu');
  expect(html).not.toMatch(/5511970|120363025/);
  expect(groupsCard([])).toContain('Em nenhum grupo ainda');
});

test('the daily summary counts the fleet groups and the day group messages', () => {
  const message = toSlackMessage({
    kind: 'daily_summary',
    warming: 5,
    ready: 1,
    averageHealth: 70,
    openAlerts: 0,
    groups: 2,
    groupMessages: 41,
  });
  expect(message.text).toContain('Grupos da frota: 2');
  expect(message.text).toContain('Mensagens em grupo (hoje): 41');
});
