/**
 * What operators read of the adaptive ramp and quarantine: the daily summary's lines, `warmer fleet`'s
 * cells and the console's markers, from what the database keeps (warmup_chip_standings).
 */
import type { ChipStandingRecord } from '../../src/adapters/db/port';
import { toSlackMessage } from '../../src/adapters/notify/messages';
import { standingOf } from '../../src/client/fleet';
import { sentCell } from '../../src/presentation/text-tables';
import { markersOf } from '../../src/console/data';

const standing: ChipStandingRecord = {
  chipId: 'c1',
  instanceName: 'loja-07',
  phone: '5511987654321',
  fleetId: 'loja',
  phase: 'expansao',
  status: 'warming',
  capToday: 22,
  phaseCap: 30,
  rampReason: '3 falhas de entrega',
  rampDay: '2026-03-02',
  quarantined: true,
  quarantineReason: 'alerta recente: 3 falhas de entrega ontem',
};

test("a row says why today's cap is what it is, and that the chip is in quarantine", () => {
  const row = standingOf([standing], 'c1', '2026-03-03');
  expect(row).toEqual({
    capToday: 22,
    capText: 'cap hoje 22/30: reduzido por 3 falhas de entrega ontem',
    quarantine: 'alerta recente: 3 falhas de entrega ontem',
  });
  expect(standingOf([standing], 'other', '2026-03-03')).toBeNull();
  expect(sentCell({ sentToday: 12, cap: 30, capToday: 22 })).toBe('12/22 (of 30)');
  expect(sentCell({ sentToday: 12, cap: 30, capToday: 30 })).toBe('12/30');
  expect(markersOf({ status: 'warming', pauseReason: null, ...row! })).toEqual([
    'quarentena: alerta recente: 3 falhas de entrega ontem',
    'cap hoje 22/30: reduzido por 3 falhas de entrega ontem',
  ]);
  // Recovered (cap back at the phase's) but still in quarantine: no cap line.
  expect(standingOf([{ ...standing, capToday: 30 }], 'c1', '2026-03-04')?.capText).toBeNull();
});

test('the daily summary lists each reduced cap with its reason, phones masked', () => {
  const message = toSlackMessage({
    kind: 'daily_summary',
    warming: 4,
    ready: 0,
    averageHealth: 60,
    openAlerts: 1,
    standings: [
      {
        instance: 'loja-07',
        phone: '5511987654321',
        capText: 'cap hoje 22/30: reduzido por 3 falhas de entrega ontem',
        quarantine: 'alerta recente',
      },
    ],
  });
  expect(message.text).toContain(
    '• loja-07 ***4321: cap hoje 22/30: reduzido por 3 falhas de entrega ontem · em quarentena (alerta recente)',
  );
  expect(message.text).toContain('Em quarentena: 1');
  expect(message.text).not.toContain('987654321');
});
