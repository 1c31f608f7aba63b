/**
 * A fleet's whole warm-up on the time-skipping server, then the determinism check every such run
 * owes: the first chip's history replays against the bundle that wrote it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ChipRef, WarmupActivities } from '../../src/activities/types';
import { chipWorkflowId } from '../../src/domain/chip';
import { WORKFLOW_TYPES } from '../../src/workflows/api';
import type { ChipWarmupWorkflow } from '../../src/workflows/chip-warmup';
import { withoutRejectedUpdates } from './speculative-updates';
import { chipInput, skipUntilClosed, workflowBundle } from './temporal';

/** Starts every chip at `startMs`, skips time until all have closed, replays the first; their results. */
export async function warmUpAndReplay(
  env: TestWorkflowEnvironment,
  input: { taskQueue: string; activities: WarmupActivities; chips: ChipRef[]; startMs: number },
): Promise<Awaited<ReturnType<typeof ChipWarmupWorkflow>>[]> {
  const bundle = await workflowBundle();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: input.taskQueue,
    workflowBundle: bundle,
    activities: input.activities,
  });
  const { results, first } = await worker.runUntil(async () => {
    const handles = await Promise.all(
      input.chips.map((chip) =>
        env.client.workflow.start<typeof ChipWarmupWorkflow>(WORKFLOW_TYPES.chip, {
          taskQueue: input.taskQueue,
          workflowId: chipWorkflowId(chip.chipId),
          args: [chipInput(chip, input.startMs)],
        }),
      ),
    );
    return { results: await skipUntilClosed(env, handles), first: handles[0]! };
  });
  // As the real server would have stored it (test/helpers/speculative-updates.ts).
  const history = withoutRejectedUpdates(await first.fetchHistory());
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, first.workflowId);
  return results;
}
