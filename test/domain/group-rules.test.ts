/** The rules of closed groups of the fleet (src/domain/group-rules.ts). */
import {
  GROUP_SIZE,
  chooseGroupConversation,
  chooseNewMembers,
  groupCounts,
  groupIdentity,
  groupTurnOrder,
  membershipChanges,
  mayStayInGroup,
} from '../../src/domain/group-rules';
import { seededRandom } from '../../src/domain/random';

const candidate = (chipId: string, phase = 'expansao', status = 'warming', groups = 0) => ({ chipId, phase, status, groups });

test('turns go to speakers at random, the opener first, never one twice in a row, each within its budget', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const budgets = [6, 3, 1 + (seed % 4)];
    const order = groupTurnOrder(budgets, 12, seededRandom(seed));
    expect(order[0]).toBe(0);
    expect(order.length).toBeLessThanOrEqual(12);
    for (let i = 1; i < order.length; i++) expect(order[i]).not.toBe(order[i - 1]);
    for (const [speaker, budget] of budgets.entries()) expect(order.filter((s) => s === speaker).length).toBeLessThanOrEqual(budget);
  }
  // With nobody else to answer, the opener says one thing and stops.
  expect(groupTurnOrder([5, 0], 12, seededRandom(3))).toEqual([0]);
});

test('each speaker counts what it sent, what it received and the messages of its that were answered', () => {
  const counts = groupCounts([0, 1, 0, 2, 2, 1], 5, 3);
  expect(counts.sent).toEqual([2, 1, 2]);
  expect(counts.replied).toEqual([2, 1, 0]);
});

test('a new group holds 3 to 6 chips that may join (expansao on, warming or ready), fewest groups first', () => {
  const fleet = [
    candidate('a'),
    candidate('b', 'pre_operacao'),
    candidate('c', 'operacao', 'ready'),
    candidate('d', 'primeiros_contatos'),
    candidate('e', 'expansao', 'paused'),
    candidate('f', 'expansao', 'warming', 3),
  ];
  for (let seed = 1; seed <= 50; seed++) {
    const chosen = chooseNewMembers(fleet, seededRandom(seed))!;
    expect(chosen.length + 1).toBeGreaterThanOrEqual(GROUP_SIZE.min);
    expect(chosen.length + 1).toBeLessThanOrEqual(GROUP_SIZE.max);
    expect(chosen).not.toContain('d');
    expect(chosen).not.toContain('e');
    if (chosen.length < 4) expect(chosen).not.toContain('f');
  }
  expect(chooseNewMembers([candidate('a'), candidate('d', 'primeiros_contatos')], seededRandom(1))).toBeNull();
});

test('banned and retired members are removed, paused ones stay; other changes keep 3 to 6 members', () => {
  const members = ['a', 'b', 'c', 'd'].map((chipId) => ({ chipId, status: 'warming' }));
  expect(
    membershipChanges(
      { creatorChipId: 'a', members: [...members, { chipId: 'x', status: 'banned' }, { chipId: 'y', status: 'paused' }] },
      [],
      seededRandom(1),
    ),
  ).toEqual([{ action: 'remove', chipId: 'x' }]);
  expect(mayStayInGroup('paused')).toBe(true);
  expect(mayStayInGroup('retired')).toBe(false);
  let changes = 0;
  for (let seed = 1; seed <= 500; seed++) {
    const small = membershipChanges({ creatorChipId: 'a', members: members.slice(0, 3) }, [candidate('z')], seededRandom(seed));
    for (const c of small) expect(c).toEqual({ action: 'add', chipId: 'z' });
    const full = ['a', 'b', 'c', 'd', 'e', 'f'].map((chipId) => ({ chipId, status: 'warming' }));
    for (const c of membershipChanges({ creatorChipId: 'a', members: full }, [candidate('z')], seededRandom(seed))) {
      expect(c.action).toBe('remove');
      expect(c.chipId).not.toBe('a');
    }
    changes += small.length;
  }
  // Occasional: about one plan in ten.
  expect(changes).toBeGreaterThan(20);
  expect(changes).toBeLessThan(100);
});

test('group slots only from expansao on and never in quarantine; names and descriptions in Portuguese', () => {
  expect(chooseGroupConversation('primeiros_contatos', false, () => 0)).toBe(false);
  expect(chooseGroupConversation('expansao', false, () => 0)).toBe(true);
  expect(chooseGroupConversation('expansao', true, () => 0)).toBe(false);
  expect(chooseGroupConversation('expansao', false, () => 0.99)).toBe(false);
  const identity = groupIdentity(seededRandom(9));
  expect(identity.name.length).toBeGreaterThan(0);
  expect(identity.name.length).toBeLessThanOrEqual(100);
  expect(identity.description.length).toBeLessThanOrEqual(2048);
});
