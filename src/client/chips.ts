/**
 * The operator's side of a chip's workflow: start, pause, resume, retire, status. Used by the CLI,
 * the dev stack, the webhook bridge and the tests, so every caller gets the same refusals.
 */
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { ChipRef } from '../activities/types';
import { chipWorkflowId } from '../domain/chip';
import { ChipNotFound, DuplicateChip } from '../domain/errors';
import { staticSummary } from '../domain/chip-state';
import { maskPhone } from '../domain/phone';
import {
  type ChipStatusView,
  type ChipWarmupInput,
  type PausedBy,
  type WarmupSettings,
  WORKFLOW_TYPES,
  pauseSignal,
  resumeSignal,
  retireSignal,
  statusQuery,
} from '../workflows/api';
import type { ChipWarmupWorkflow } from '../workflows/chip-warmup';

export async function startChipWarmup(
  client: Client,
  opts: {
    chip: ChipRef;
    registeredAt: string;
    settings: WarmupSettings;
    taskQueue: string;
    state?: ChipWarmupInput['state'];
    fleetId?: string;
    /** Only a restart (src/client/restart.ts) may start a chip whose earlier workflow has closed. */
    afterClosedRun?: boolean;
  },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof ChipWarmupWorkflow>> {
  try {
    return await client.workflow.start<typeof ChipWarmupWorkflow>(WORKFLOW_TYPES.chip, {
      taskQueue: opts.taskQueue,
      workflowId: chipWorkflowId(opts.chip.chipId),
      // The UI's workflow list shows which chip each run is, without a full phone number.
      staticSummary: staticSummary({ ...opts.chip, fleetId: opts.fleetId }),
      // A chip is warmed once: a finished warm-up is not restarted by accident either. A restart
      // allows a new run once the earlier one has closed; a running one is still never doubled.
      workflowIdReusePolicy: opts.afterClosedRun ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ chip: opts.chip, registeredAt: opts.registeredAt, settings: opts.settings, state: opts.state }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new DuplicateChip(
        `Chip ${opts.chip.chipId} (phone ${maskPhone(opts.chip.phone)}) already has a warm-up workflow (${chipWorkflowId(opts.chip.chipId)}); it was not started again.`,
      );
    }
    throw err;
  }
}

async function withChip<T>(chipId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || /not found/i.test(String((err as Error)?.message))) {
      throw new ChipNotFound(`No warm-up workflow for chip '${chipId}'. Check the id with 'warmer fleet'.`);
    }
    throw err;
  }
}

const handleOf = (client: Client, chipId: string) => client.workflow.getHandle(chipWorkflowId(chipId));

export function pauseChip(client: Client, chipId: string, reason: string, by: PausedBy = 'operator'): Promise<void> {
  return withChip(chipId, () => handleOf(client, chipId).signal(pauseSignal, { reason, by }));
}

export function resumeChip(client: Client, chipId: string, by?: PausedBy): Promise<void> {
  return withChip(chipId, () => handleOf(client, chipId).signal(resumeSignal, by ? { by } : undefined));
}

export function retireChip(client: Client, chipId: string, reason?: string): Promise<void> {
  return withChip(chipId, () => handleOf(client, chipId).signal(retireSignal, { reason }));
}

export function chipStatus(client: Client, chipId: string): Promise<ChipStatusView> {
  return withChip(chipId, () => handleOf(client, chipId).query(statusQuery));
}
