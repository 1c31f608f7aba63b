/** `warmer chip restart <id> [--reason]`: a way back for a chip whose warm-up workflow has ended. */
import { userInfo } from 'node:os';
import { createNotifier } from '../adapters/notify';
import { restartChip } from '../client/restart';
import { warmupSettings } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { maskPhone } from '../domain/phone';
import { resolveChip } from './chip-ref';
import type { CliContext } from './context';

/** The operator as the audit trail names them: $WARMER_OPERATOR, else the login name. */
function operatorName(env: NodeJS.ProcessEnv): string {
  const named = env.WARMER_OPERATOR?.trim() || env.USER?.trim();
  if (named) return named;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export async function restartCommand(ctx: CliContext, ref: string, opts: { reason?: string; json?: boolean }): Promise<void> {
  const config = ctx.config();
  const db = await ctx.db();
  const chip = await resolveChip(db, ref);
  const { client } = await ctx.temporal();
  const outcome = await restartChip(
    client,
    db,
    createNotifier({ slackWebhookUrl: config.slackWebhookUrl, log: (line) => ctx.io.err(`${line}\n`) }),
    {
      chipId: chip.id,
      by: operatorName(ctx.env),
      reason: opts.reason?.trim() || undefined,
      settings: warmupSettings(config, DEFAULT_PROGRAM_EPOCH_MS),
      taskQueue: config.temporal.taskQueue,
    },
  );
  const { chip: after } = outcome;
  if (opts.json) {
    ctx.io.out(
      `${JSON.stringify(
        {
          chipId: after.id,
          phone: maskPhone(after.phone),
          previousStatus: outcome.previousStatus,
          previousRun: outcome.previousRun,
          workflowId: outcome.workflowId,
          phase: after.phase,
          status: after.status,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  ctx.io.out(
    `Chip ${after.id} (${maskPhone(after.phone)}, instance ${after.instanceName}) restarted: it was ${outcome.previousStatus} ` +
      `(previous workflow ${outcome.previousRun}); workflow ${outcome.workflowId} continues in phase ${after.phase}.\n`,
  );
}
