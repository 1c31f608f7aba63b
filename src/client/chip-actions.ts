/**
 * Pause, resume and retire as operators take them, from the CLI or the console: the same checks
 * (a chip whose warm-up has ended refuses; pausing a paused chip or resuming a running one changes
 * nothing), the same signals (src/client/chips.ts), and one audit row per action taken (who, when, why).
 */
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db, OperatorActionKind } from '../adapters/db/port';
import { ChipActionRefused } from '../domain/errors';
import { maskPhone } from '../domain/phone';
import { pauseChip, resumeChip, retireChip } from './chips';
import { liveStatus } from './fleet';

export type ChipAction = OperatorActionKind;

export interface ChipActionOutcome {
  /** False when nothing needed doing (already paused, not paused). */
  applied: boolean;
  /** One sentence for the operator, phone masked. */
  message: string;
  /** Set when recording the audit row failed: the action itself went through. */
  auditError?: string;
}

export const describeChip = (chip: ChipRecord) => `${chip.id} (${maskPhone(chip.phone)}, instance ${chip.instanceName})`;

/**
 * The pause is written where every turn is checked (the database refuses a turn of a chip that is not
 * warming) before the workflow hears of it, so a turn that starts while the signal travels is refused
 * too. If the signal cannot be sent, the recorded status is put back: the workflow is the one to decide.
 */
async function pauseRecordedFirst(client: Client, db: Db, chip: ChipRecord, reason: string): Promise<void> {
  const recorded = chip.status === 'warming';
  if (recorded) await db.setChipStatus({ chipId: chip.id, status: 'paused', reason });
  try {
    await pauseChip(client, chip.id, reason);
  } catch (err) {
    if (recorded) await db.setChipStatus({ chipId: chip.id, status: 'warming', reason: null }).catch(() => undefined);
    throw err;
  }
}

/**
 * The resume is written first too. The workflow writes a status only when it differs from its own last
 * write, so when the resume reaches it before its loop has written the pause (mid-conversation, or both
 * signals heard in one activation while no worker ran), it goes from warming to warming and writes
 * nothing: the paused written by pauseRecordedFirst would stay. An operator's resume always makes a
 * running paused chip warming, and a paused workflow starts no conversation and refuses reservations,
 * so the database saying warming a moment early lets nothing new start. If the signal cannot be sent,
 * the recorded pause is put back.
 */
async function resumeRecordedFirst(client: Client, db: Db, chip: ChipRecord): Promise<void> {
  const recorded = chip.status === 'paused';
  if (recorded) await db.setChipStatus({ chipId: chip.id, status: 'warming', reason: null });
  try {
    await resumeChip(client, chip.id);
  } catch (err) {
    if (recorded) await db.setChipStatus({ chipId: chip.id, status: 'paused', reason: chip.pauseReason }).catch(() => undefined);
    throw err;
  }
}

export async function applyChipAction(
  client: Client,
  db: Db,
  chip: ChipRecord,
  action: ChipAction,
  opts: { reason?: string; actor: string; source: 'console' | 'cli' },
): Promise<ChipActionOutcome> {
  const live = await liveStatus(client, chip.id);
  if (live.state === 'closed' || live.state === 'missing') {
    const why = live.state === 'missing' ? 'has no warm-up workflow' : `has finished its warm-up (status ${chip.status})`;
    throw new ChipActionRefused(`Chip ${describeChip(chip)} ${why}: nothing to ${action}.`);
  }
  const status = live.view?.status;
  if (action === 'pause' && status === 'paused') {
    return { applied: false, message: `Chip ${describeChip(chip)} is already paused (${live.view?.statusReason ?? 'no reason given'}).` };
  }
  if (action === 'resume' && status !== undefined && status !== 'paused') {
    return { applied: false, message: `Chip ${describeChip(chip)} is not paused (status ${status}): nothing to resume.` };
  }
  const reason = opts.reason?.trim() || undefined;
  if (action === 'pause') await pauseRecordedFirst(client, db, chip, reason ?? 'paused by the operator');
  if (action === 'resume') await resumeRecordedFirst(client, db, chip);
  if (action === 'retire') await retireChip(client, chip.id, reason);
  let auditError: string | undefined;
  try {
    await db.recordOperatorAction({ chipId: chip.id, action, actor: opts.actor, reason: reason ?? null, source: opts.source });
  } catch (err) {
    auditError = (err as Error).message;
  }
  const done = {
    pause: `paused (${reason ?? 'paused by the operator'})`,
    resume: 'resumed',
    retire: 'retired: its warm-up workflow ends now',
  }[action];
  const later = live.state === 'unanswered' ? ' No worker answered just now: it takes effect when one picks the chip up.' : '';
  return { applied: true, message: `Chip ${describeChip(chip)} ${done}.${later}`, auditError };
}
