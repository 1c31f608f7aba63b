/**
 * A way back for a chip whose workflow ended (failed, terminated, or completed as banned or
 * retired): a new workflow that continues from what the database recorded (phase, phase start,
 * totals, health). Refused while a workflow for the chip is running; audited (an alert row and a
 * notification saying who restarted what).
 */
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db } from '../adapters/db/port';
import type { Notifier } from '../adapters/notify/port';
import { chipWorkflowId } from '../domain/chip';
import { WorkflowRunning } from '../domain/errors';
import { maskPhone } from '../domain/phone';
import type { ChipWarmupInput, WarmupSettings } from '../workflows/api';
import { startChipWarmup } from './chips';
import { workflowState } from './fleet';

export interface RestartOptions {
  chipId: string;
  /** Who asked (the operator's user name); recorded in the audit alert. */
  by: string;
  reason?: string;
  settings: WarmupSettings;
  taskQueue: string;
}

export interface RestartOutcome {
  chip: ChipRecord;
  previousStatus: ChipRecord['status'];
  /** How the earlier workflow ended ('missing' when there was none). */
  previousRun: string;
  workflowId: string;
}

/** The state a restarted workflow carries over from the database; the workflow fills in the rest. */
export function carriedState(chip: ChipRecord): NonNullable<ChipWarmupInput['state']> {
  return {
    phase: chip.phase,
    phaseStartedAtMs: Date.parse(chip.phaseStartedAt),
    registeredAtMs: Date.parse(chip.createdAt),
    status: 'warming',
    sentTotal: chip.messagesSent,
    receivedTotal: chip.messagesReceived,
    health: chip.healthScore,
  };
}

export async function restartChip(client: Client, db: Db, notifier: Notifier, opts: RestartOptions): Promise<RestartOutcome> {
  const before = await db.getChip(opts.chipId);
  const run = await workflowState(client, before.id);
  if (run.state === 'running') {
    throw new WorkflowRunning(
      `Chip ${before.id} (${maskPhone(before.phone)}) still has a running warm-up workflow (${chipWorkflowId(before.id)}); ` +
        `pause or resume it instead, or retire it first.`,
    );
  }
  const chip = await db.restartChip({ chipId: before.id, by: opts.by, reason: opts.reason });
  const handle = await startChipWarmup(client, {
    chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
    registeredAt: chip.createdAt,
    settings: opts.settings,
    taskQueue: opts.taskQueue,
    state: carriedState(chip),
    fleetId: chip.fleetId,
    afterClosedRun: true,
  });
  const previousRun = run.state === 'missing' ? 'missing' : (run.closeStatus ?? 'closed');
  await notifier.notify({
    kind: 'alert',
    severity: 'warning',
    title: 'Chip reiniciado',
    message:
      `${opts.by} reiniciou o chip ${maskPhone(chip.phone)} (instância ${chip.instanceName}): estava ${before.status}, ` +
      `workflow anterior ${previousRun}; continua na fase ${chip.phase}.${opts.reason ? ` Motivo: ${opts.reason}` : ''}`,
    phone: chip.phone,
  });
  return { chip, previousStatus: before.status, previousRun, workflowId: handle.workflowId };
}
