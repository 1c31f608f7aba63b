/**
 * The profile checklist's `perfil: 3/5` on rows the console builds from the database, so they read as
 * the workflow's own pending list does: only for a chip still in setup whose checklist has begun (a
 * chip that predates the checklist has no step tried and none done, and its workflow shows none).
 */
import type { Db } from '../adapters/db/port';
import { PROFILE_STEPS } from '../domain/profile-checklist';

interface PendingRow {
  chipId: string;
  phase: string;
  status: string;
  pending: string[];
}

export async function withProfilePending<T extends PendingRow>(db: Pick<Db, 'profileChecklist'>, rows: T[]): Promise<T[]> {
  return Promise.all(
    rows.map(async (row) => {
      if (row.phase !== 'setup' || (row.status !== 'warming' && row.status !== 'paused')) return row;
      const steps = await db.profileChecklist({ chipId: row.chipId });
      if (!steps.some((s) => s.attempts > 0 || s.doneAt)) return row;
      const done = steps.filter((s) => s.doneAt).length;
      return done >= PROFILE_STEPS.length ? row : { ...row, pending: [...row.pending, `perfil: ${done}/${PROFILE_STEPS.length}`] };
    }),
  );
}
