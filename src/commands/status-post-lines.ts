/** `warmer chip status`'s lines for status posts and receive-first, from the workflow's status view. */
import type { ChipStatusView } from '../domain/chip-state';

export function statusPostLines(view: ChipStatusView | null | undefined): [string, string][] {
  // A view from a chip started by an older release may lack these fields.
  if (!view || view.statusPostsToday === undefined) return [];
  const lines: [string, string][] = [];
  if (view.statusCapToday > 0 || view.statusPostsTotal > 0) {
    lines.push([
      'Status posts',
      `${view.statusPostsToday}/${view.statusCapToday} today, ${view.statusPostsTotal} in all (fleet-only viewers)`,
    ]);
  }
  if (view.receiveFirstUntilMs) {
    lines.push([
      'Receive-first',
      `until ${new Date(view.receiveFirstUntilMs).toISOString()} (partners open the conversations; it answers)`,
    ]);
  }
  return lines;
}
