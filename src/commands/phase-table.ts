/** The warm-up program as a table, from PHASE_TABLE: printed by `warmer phases`, pasted in docs/warm-up-program.md (a test keeps them equal). */
import { formatPercent, PHASE_TABLE, PHASES } from '../domain/phases';

export const PHASE_TABLE_HEADERS = [
  'Phase',
  'Daily cap (messages)',
  'Min. days',
  'Min. health',
  'Min. reply rate',
  'Next',
  'What happens',
  'Status posts/day',
  'Receive-first days',
];

export function phaseTableRows(): string[][] {
  return PHASES.map((phase) => {
    const rule = PHASE_TABLE[phase];
    const final = rule.next === null;
    return [
      phase,
      String(rule.dailyCap),
      final ? '-' : String(rule.minDays),
      final ? '-' : String(rule.minHealth),
      final ? '-' : formatPercent(rule.minReplyRate),
      rule.next ?? '- (ready)',
      rule.description,
      String(rule.dailyStatusCap),
      String(rule.receiveFirstDays),
    ];
  });
}

export function phaseTableMarkdown(): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    row(PHASE_TABLE_HEADERS),
    row(PHASE_TABLE_HEADERS.map(() => '---')),
    ...phaseTableRows().map((r) => row([`\`${r[0]}\``, ...r.slice(1)])),
  ].join('\n');
}
