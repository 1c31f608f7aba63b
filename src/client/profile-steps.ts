/**
 * An operator's hand on a chip's profile checklist, from the CLI or the console: recorded in the
 * database first (audited there), then told to the chip's workflow so it stops waiting for the step
 * (done) or runs it now (retry). A chip whose workflow is not running reads the database when it runs.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ChipRecord, Db, ProfileStepRecord } from '../adapters/db/port';
import { chipWorkflowId } from '../domain/chip';
import type { ProfileStepRequest } from '../domain/profile-checklist';
import { profileStepSignal } from '../workflows/api';

export interface ProfileStepOutcome {
  steps: ProfileStepRecord[];
  /** Whether the chip's running workflow heard of it (false: none runs now). */
  signalled: boolean;
}

export async function applyProfileStep(
  client: Client,
  db: Db,
  chip: ChipRecord,
  request: ProfileStepRequest,
  opts: { actor: string; reason?: string; source: 'console' | 'cli' },
): Promise<ProfileStepOutcome> {
  const steps = await db.markProfileStep({
    chipId: chip.id,
    ...request,
    actor: opts.actor,
    reason: opts.reason ?? null,
    source: opts.source,
  });
  try {
    await client.workflow.getHandle(chipWorkflowId(chip.id)).signal(profileStepSignal, request);
    return { steps, signalled: true };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { steps, signalled: false };
    throw err;
  }
}
