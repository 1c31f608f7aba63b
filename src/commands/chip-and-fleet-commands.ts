/** The chip, fleet and schedules commands of `warmer`; program.ts wires them to the command line. */
import { groupLine, groupViews } from '../presentation/groups';
import type { ChipRecord } from '../adapters/db/port';
import { applyChipAction, type ChipAction } from '../client/chip-actions';
import { startChipWarmup } from '../client/chips';
import {
  type FleetRow,
  liveStatus,
  stalledFromAlerts,
  workflowState,
  listFleet,
  resumeFleet,
  rowFromRecord,
  rowFromView,
} from '../client/fleet';
import { warmupSettings } from '../config';
import { chipWorkflowId } from '../domain/chip';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { InvalidInput, TemporalUnavailable, isWarmerError } from '../domain/errors';
import { PAIRING } from '../domain/partners';
import { formatPercent } from '../domain/phases';
import { hashString } from '../domain/random';
import { maskPhone, normalizePhone } from '../domain/phone';
import { syncSchedules } from '../client/schedules';
import { resolveChip } from './chip-ref';
import { operatorName } from './operator';
import type { CliContext } from './context';
import { fleetTable, keyValues, sentCell } from '../presentation/text-tables';
import { checkInstanceHoldsPhone } from './instance-check';
import { statusPostLines } from './status-post-lines';

const codeOf = (err: unknown) => (err as { code?: unknown })?.code;

function print(ctx: CliContext, text: string): void {
  ctx.io.out(`${text}\n`);
}

function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

const describeChip = (chip: ChipRecord) => `${chip.id} (${maskPhone(chip.phone)}, instance ${chip.instanceName})`;

export async function addChip(
  ctx: CliContext,
  opts: { phone: string; instance: string; fleet?: string; json?: boolean; force?: boolean },
): Promise<void> {
  const phone = normalizePhone(opts.phone);
  const instanceName = opts.instance.trim();
  if (!instanceName) throw new InvalidInput('--instance must name the messaging provider instance of the chip (it is blank).');
  const fleetId = opts.fleet?.trim() || undefined;
  const config = ctx.config();
  const db = await ctx.db();
  // A new chip's instance must exist, be connected and hold the phone (an earlier add was checked).
  const isNew = !(await db.findChipByPhone(phone)) && !(await db.findChipByInstance(instanceName));
  let forcedPast: string | undefined;
  if (isNew) {
    try {
      await checkInstanceHoldsPhone(config, instanceName, phone);
    } catch (err) {
      if (!opts.force) throw err;
      forcedPast = `${isWarmerError(err) ? `${err.code}: ` : ''}${(err as Error).message}`;
    }
  }

  let chip: ChipRecord;
  try {
    chip = await db.registerChip({ phone, instanceName, fleetId });
  } catch (err) {
    if (codeOf(err) !== 'DuplicateChip') throw err;
    // The same chip from an earlier `chip add` whose workflow could not be started: finish that add.
    const existing = await db.findChipByPhone(phone);
    const same = existing && existing.instanceName === instanceName && existing.fleetId === (fleetId ?? 'default');
    if (!same) throw err;
    const { client } = await ctx.temporal();
    if ((await workflowState(client, existing.id)).state !== 'missing') throw err;
    chip = existing;
  }

  if (forcedPast) await auditForcedAdd(ctx, db, chip, forcedPast);
  // A new chip gets partners of its own at once (and is offered as one to chips short of theirs).
  await db.ensurePairs({ chipId: chip.id, maxPartners: PAIRING.maxPartners, seed: hashString(chip.id) });

  let workflowId: string;
  try {
    const { client } = await ctx.temporal();
    const handle = await startChipWarmup(client, {
      chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
      registeredAt: chip.createdAt,
      settings: warmupSettings(config, DEFAULT_PROGRAM_EPOCH_MS),
      taskQueue: config.temporal.taskQueue,
      fleetId: chip.fleetId,
    });
    workflowId = handle.workflowId;
  } catch (err) {
    if (codeOf(err) === 'DuplicateChip') throw err;
    throw new TemporalUnavailable(
      `Chip ${describeChip(chip)} was registered in the database, but its warm-up workflow could not be started: ${(err as Error).message} ` +
        `Run the same 'warmer chip add' again once Temporal answers: it starts the workflow of the registered chip.`,
    );
  }
  if (opts.json) {
    printJson(ctx, {
      chipId: chip.id,
      phone: maskPhone(chip.phone),
      instance: chip.instanceName,
      fleetId: chip.fleetId,
      workflowId,
      phase: chip.phase,
      status: chip.status,
    });
    return;
  }
  print(ctx, `Chip ${describeChip(chip)} added to fleet '${chip.fleetId}'; warm-up workflow ${workflowId} started in phase ${chip.phase}.`);
}

/** --force past a failed instance check: an alert on the chip and a warning line, both naming who forced it. */
async function auditForcedAdd(ctx: CliContext, db: Awaited<ReturnType<CliContext['db']>>, chip: ChipRecord, why: string): Promise<void> {
  const who = operatorName(ctx.env);
  ctx.io.err(`warning: chip ${chip.id} registered with --force by ${who} although the instance check failed: ${why}\n`);
  await db.openAlert({
    chipId: chip.id,
    severity: 'warning',
    kind: 'chip_add_forced',
    message: `Chip registrado com --force por ${who}, apesar da verificação da instância '${chip.instanceName}': ${why}`,
    key: `chip_add_forced:${chip.id}`,
  });
}

/** Signals the chip's workflow through the code path the console uses too; the action is audited. */
async function signalChip(ctx: CliContext, ref: string, action: ChipAction, reason?: string): Promise<void> {
  const db = await ctx.db();
  const chip = await resolveChip(db, ref);
  const { client } = await ctx.temporal();
  const outcome = await applyChipAction(client, db, chip, action, { reason, actor: operatorName(ctx.env), source: 'cli' });
  print(ctx, outcome.message);
  if (outcome.auditError) ctx.io.err(`warning: the action was not recorded in the audit log: ${outcome.auditError}\n`);
}

export const pauseCommand = (ctx: CliContext, ref: string, reason?: string) => signalChip(ctx, ref, 'pause', reason);
export const resumeCommand = (ctx: CliContext, ref: string) => signalChip(ctx, ref, 'resume');
export const retireCommand = (ctx: CliContext, ref: string, reason?: string) => signalChip(ctx, ref, 'retire', reason);

export async function statusCommand(ctx: CliContext, ref: string, opts: { json?: boolean }): Promise<void> {
  const config = ctx.config();
  const db = await ctx.db();
  const chip = await resolveChip(db, ref);
  const { client } = await ctx.temporal();
  const alerts = await db.listAlerts({ open: true, chipId: chip.id });
  const groups = groupViews(await db.chipGroups({ chipId: chip.id }), chip.id);
  const live = await liveStatus(client, chip.id);
  const view = live.view;
  const row: FleetRow = view
    ? rowFromView(chip, view, alerts.length)
    : rowFromRecord(chip, {
        dayMs: config.program.dayMs,
        nowMs: Date.now(),
        workflow: live.state,
        openAlerts: alerts.length,
        stalled: stalledFromAlerts(alerts, chip.id),
      });
  const workflow = { id: chipWorkflowId(chip.id), state: live.state, ...(live.closeStatus ? { closeStatus: live.closeStatus } : {}) };
  if (opts.json) {
    printJson(ctx, {
      ...row,
      workflow,
      busyWith: view?.busyWith ?? null,
      sentTotal: view?.sentTotal ?? chip.messagesSent,
      receivedTotal: view?.receivedTotal ?? chip.messagesReceived,
      promotions: view?.promotions ?? null,
      statusPosts: view ? { today: view.statusPostsToday, cap: view.statusCapToday, total: view.statusPostsTotal } : null,
      receiveFirstUntil: view?.receiveFirstUntilMs ? new Date(view.receiveFirstUntilMs).toISOString() : null,
      registeredAt: chip.createdAt,
      readyAt: chip.readyAt,
      alerts: alerts.map((a) => ({ id: a.id, severity: a.severity, kind: a.kind, message: a.message, createdAt: a.createdAt })),
      groups,
    });
    return;
  }
  const pairs: [string, string][] = [
    ['Chip', chip.id],
    ['Phone', `${row.phone}   instance ${row.instance}   fleet ${row.fleetId}`],
    [
      'Status',
      row.status +
        (row.pauseReason && row.status !== 'warming' ? ` (${row.pauseReason}${row.pausedBy ? `; paused by ${row.pausedBy}` : ''})` : ''),
    ],
    ['Phase', `${row.phase}, day ${row.dayInPhase}`],
    ['Health', String(row.health)],
    ['Reply rate', formatPercent(row.replyRate)],
    ['Sent today', sentCell(row)],
    ...(row.capText ? [['Cap today', row.capText] as [string, string]] : []),
    ...(row.quarantine ? [['Quarantine', row.quarantine] as [string, string]] : []),
    ['Pending', row.pending.join(', ') || '-'],
    ...(row.stalled ? [['Stalled', row.stalled] as [string, string]] : []),
    ...statusPostLines(view),
    ['Workflow', `${workflow.id} (${live.closeStatus ? live.closeStatus.toLowerCase() : live.state}; values from the ${row.source})`],
  ];
  for (const p of view?.promotions ?? []) pairs.push(['Promoted', `${p.from} -> ${p.to} at ${new Date(p.atMs).toISOString()}`]);
  for (const a of alerts) pairs.push(['Alert', `${a.severity} ${a.kind}: ${a.message}`]);
  for (const g of groups) pairs.push(['Group', groupLine(g)]);
  print(ctx, keyValues(pairs));
}

export async function fleetCommand(ctx: CliContext, opts: { json?: boolean; fleet?: string }): Promise<void> {
  const config = ctx.config();
  const db = await ctx.db();
  const { client } = await ctx.temporal();
  const view = await listFleet(client, db, { dayMs: config.program.dayMs, epochMs: config.program.epochMs, fleetId: opts.fleet });
  if (opts.json) printJson(ctx, view);
  else print(ctx, fleetTable(view));
}

export async function fleetResumeCommand(ctx: CliContext, opts: { fleet?: string }): Promise<void> {
  const db = await ctx.db();
  const { client } = await ctx.temporal();
  const outcome = await resumeFleet(client, db, { fleetId: opts.fleet });
  print(
    ctx,
    `Fleet breaker cleared: ${outcome.resolvedAlerts} alert(s) resolved; resume sent to ${outcome.signalled} chip(s). ` +
      'Only pauses made by the breaker are lifted; chips paused by an operator or an early warning stay paused.',
  );
}

export async function schedulesSyncCommand(ctx: CliContext): Promise<void> {
  const config = ctx.config();
  const { client } = await ctx.temporal();
  for (const o of await syncSchedules(client, { taskQueue: config.temporal.taskQueue })) {
    print(ctx, `${o.scheduleId}: ${o.outcome}`);
  }
}
