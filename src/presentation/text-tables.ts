/**
 * Text for people: aligned tables and key/value blocks (the CLI), the fleet view as a table (the CLI and
 * the dev stack), short chip ids (also the console). Phones arrive already masked.
 */
import type { FleetRow, FleetView } from '../client/fleet';
import { formatPercent } from '../domain/phases';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Enough of a uuid to tell chips apart on screen; the commands take the full id, the instance or the phone. */
export const shortId = (id: string) => id.slice(0, 8);

/** Sent today over today's effective cap (the phase cap unless the adaptive ramp reduced it). */
export const sentCell = (row: Pick<FleetRow, 'sentToday' | 'cap' | 'capToday'>) =>
  `${row.sentToday ?? '-'}/${row.capToday ?? row.cap}${row.capToday !== undefined && row.capToday < row.cap ? ` (of ${row.cap})` : ''}`;

export function fleetTable(view: FleetView): string {
  if (view.chips.length === 0) return "No chips registered. Add one with 'warmer chip add --phone <E164> --instance <name>'.";
  const rows = view.chips.map((c) => [
    shortId(c.chipId),
    c.phone,
    c.instance,
    c.phase,
    String(c.dayInPhase),
    String(c.health),
    formatPercent(c.replyRate),
    sentCell(c),
    c.status + (c.quarantine ? ' quarantined' : '') + (c.stalled ? ' stalled' : '') + (c.openAlerts > 0 ? ` (!${c.openAlerts})` : ''),
    c.pending.join(', ') || '-',
  ]);
  const lines = [table(['CHIP', 'PHONE', 'INSTANCE', 'PHASE', 'DAY', 'HEALTH', 'REPLY', 'SENT/CAP', 'STATUS', 'PENDING'], rows)];
  // The breaker (whichever chip its alert hangs on) and fleet-wide alerts are shown in full.
  const prominent = view.openAlerts.filter((a) => a.chipId === null || a.kind === 'fleet_breaker');
  for (const a of prominent) lines.push(`! ${a.severity} ${a.kind}: ${a.message}`);
  const perChip = view.openAlerts.length - prominent.length;
  if (perChip > 0) lines.push(`${perChip} open chip alert(s): see 'warmer chip status <id>'.`);
  return lines.join('\n');
}

export function keyValues(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
