/** The forecast holds group conversations as the workflow does: the same share of slots, from expansao on. */
import { GROUP_SHARE } from '../../src/domain/group-rules';
import { forecastGroupSlot } from '../../src/forecast/groups';
import { simulateFleet } from '../../src/forecast/simulate';

test('group slots follow the phase share, never before expansao, in quarantine or on the health-log slot', () => {
  const share = (phase: 'primeiros_contatos' | 'expansao' | 'pre_operacao', quarantined = false, rode = false) => {
    let n = 0;
    for (let i = 0; i < 4000; i++) if (forecastGroupSlot(`chip-${i % 7}`, phase, quarantined, 1_700_000_000_000 + i * 61_000, rode)) n++;
    return n / 4000;
  };
  expect(share('primeiros_contatos')).toBe(0);
  expect(Math.abs(share('expansao') - GROUP_SHARE.expansao)).toBeLessThan(0.03);
  expect(Math.abs(share('pre_operacao') - GROUP_SHARE.pre_operacao)).toBeLessThan(0.03);
  expect(share('expansao', true)).toBe(0);
  expect(share('expansao', false, true)).toBe(0);
});

test('a fleet forecast counts group messages among its messages', () => {
  const result = simulateFleet({ chips: 6, days: 22, seed: 11, replyRate: 0.6 });
  expect(result.groupMessages).toBeGreaterThan(0);
  expect(result.groupMessages).toBeLessThan(result.messages * 0.4);
  // Status posts are messages too, apart from the per-day figures (they have their own daily limit).
  expect(result.messages).toBe(result.messagesPerDay.reduce((a, b) => a + b, 0) + result.statusPosts);
});
