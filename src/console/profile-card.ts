/** The chip page's "Perfil" card: the setup's profile checklist, step by step, as the database keeps it. */
import type { ProfileStepRecord } from '../adapters/db/port';
import { PROFILE_STEPS, PROFILE_STEP_LABELS } from '../domain/profile-checklist';
import type { ChipStatusView } from '../domain/chip-state';
import { esc, time } from './html';

const DONE_BY_LABEL: Record<string, string> = { chip: 'aplicado pelo chip', operator: 'marcado pelo operador' };

/** `perfil: 3/5` and one row per step: done (when, by whom), or to do (attempts, last error, next try). */
export function profileCard(steps: ProfileStepRecord[], view: ChipStatusView | undefined): string {
  const byStep = new Map(steps.map((s) => [s.step, s]));
  const done = PROFILE_STEPS.filter((step) => byStep.get(step)?.doneAt).length;
  const nextTry = new Map((view?.profile?.pending ?? []).map((p) => [p.step, p.dueAt]));
  const rows = PROFILE_STEPS.map((step) => {
    const record = byStep.get(step);
    const state = record?.doneAt
      ? `feito ${time(record.doneAt)} <span class="muted">(${esc(DONE_BY_LABEL[record.doneBy ?? ''] ?? record.doneBy ?? '')})</span>`
      : `pendente${record?.attempts ? ` · ${record.attempts} tentativa(s)` : ''}${nextTry.get(step) ? ` · próxima ${time(nextTry.get(step)!)}` : ''}`;
    const error = !record?.doneAt && record?.lastError ? `<br><small class="err">${esc(record.lastError)}</small>` : '';
    return `<tr data-step="${esc(step)}" data-done="${record?.doneAt ? 'true' : 'false'}"><th>${esc(PROFILE_STEP_LABELS[step])}</th><td>${state}${error}</td></tr>`;
  }).join('');
  return `<p id="profile-count"><b>perfil: ${done}/${PROFILE_STEPS.length}</b></p><table class="kv" id="profile">${rows}</table>`;
}
