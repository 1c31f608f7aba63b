/**
 * `warmer chip profile <chip>`: the setup's profile checklist step by step; `--done <step>` marks a
 * step done by hand (e.g. a photo set in the app), `--retry <step>` asks for it again now. Audited.
 */
import type { ProfileStepRecord } from '../adapters/db/port';
import { applyProfileStep } from '../client/profile-steps';
import { InvalidInput } from '../domain/errors';
import { PROFILE_STEPS, PROFILE_STEP_LABELS, type ProfileStep, isProfileStep } from '../domain/profile-checklist';
import { maskPhone } from '../domain/phone';
import { keyValues } from '../presentation/text-tables';
import { resolveChip } from './chip-ref';
import type { CliContext } from './context';
import { operatorName } from './operator';

export interface ProfileOptions {
  done?: string;
  retry?: string;
  reason?: string;
  json?: boolean;
}

function stepOf(value: string): ProfileStep {
  if (!isProfileStep(value)) throw new InvalidInput(`Unknown profile step '${value}'. Valid steps: ${PROFILE_STEPS.join(', ')}.`);
  return value;
}

function describeStep(s: ProfileStepRecord): string {
  if (s.doneAt) return `done ${s.doneAt} (${s.doneBy === 'operator' ? 'marked by an operator' : 'applied by the chip'})`;
  const tries = s.attempts > 0 ? `, ${s.attempts} attempt(s)` : '';
  return `to do${tries}${s.lastError ? `; last error: ${s.lastError}` : ''}`;
}

export async function profileCommand(ctx: CliContext, ref: string, opts: ProfileOptions): Promise<void> {
  if (opts.done && opts.retry) throw new InvalidInput('Give --done or --retry, not both.');
  const db = await ctx.db();
  const chip = await resolveChip(db, ref);
  let steps = await db.profileChecklist({ chipId: chip.id });
  let note: string | null = null;
  const asked = opts.done ?? opts.retry;
  if (asked) {
    const request = { step: stepOf(asked), action: opts.done ? ('done' as const) : ('retry' as const) };
    const { client } = await ctx.temporal();
    const outcome = await applyProfileStep(client, db, chip, request, { actor: operatorName(ctx.env), reason: opts.reason, source: 'cli' });
    steps = outcome.steps;
    const what = request.action === 'done' ? 'marked done' : 'will be tried again now';
    note = `Step ${request.step} ${what}.${outcome.signalled ? '' : " The chip's workflow is not running: it reads this when it runs."}`;
  }
  const done = steps.filter((s) => s.doneAt !== null).length;
  if (opts.json) {
    ctx.io.out(
      `${JSON.stringify({ chipId: chip.id, phone: maskPhone(chip.phone), profile: `${done}/${PROFILE_STEPS.length}`, steps }, null, 2)}\n`,
    );
    return;
  }
  const pairs: [string, string][] = [
    ['Chip', `${chip.id} (${maskPhone(chip.phone)}, instance ${chip.instanceName})`],
    ['Profile', `perfil: ${done}/${PROFILE_STEPS.length}`],
    ...steps.map((s): [string, string] => [`${s.step} (${PROFILE_STEP_LABELS[s.step]})`, describeStep(s)]),
  ];
  ctx.io.out(`${keyValues(pairs)}\n${note ? `${note}\n` : ''}`);
}
