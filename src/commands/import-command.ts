/**
 * `warmer chip import <file.csv>` (header `phone,instance,fleet`; fleet may be left out): one
 * onboarding per row. Rows whose chip is registered already are skipped; instances already connected
 * to their number are adopted and registered by their onboarding; the others wait for their code to
 * be used (follow them with `warmer chip onboard` or the console). A bad row is reported with its line
 * number and changes nothing else. Exit 1 when any row is bad or failed, else 0.
 */
import { readFileSync } from 'node:fs';
import { type OnboardingHandle, onboardingInput, startOnboarding } from '../client/onboarding';
import { InvalidInput } from '../domain/errors';
import { ONBOARDING_STEP_LABEL, type OnboardingStep } from '../domain/onboarding';
import { maskPhone } from '../domain/phone';
import { type OnboardingInput, onboardingQuery } from '../workflows/onboarding-api';
import type { CliContext } from './context';
import { parseCsv } from './csv';
import { table } from '../presentation/text-tables';
import { operatorName } from './operator';

export type ImportOutcome = 'warming' | 'waiting' | 'started' | 'skipped' | 'failed' | 'error';

export interface ImportRow {
  line: number;
  /** Masked. */
  phone: string;
  instance: string;
  fleet: string;
  outcome: ImportOutcome;
  detail: string;
  workflowId?: string;
  chipId?: string;
}

const COLUMNS = ['phone', 'instance', 'fleet'];
/** How long the import waits for its onboardings to reach a step worth reporting. */
const SETTLE_MS = 60_000;
const SETTLED: readonly OnboardingStep[] = ['waiting_for_connection', 'warming', 'failed'];

export async function importCommand(ctx: CliContext, file: string, opts: { json?: boolean; pairingCode?: boolean }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInput(`Cannot read '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  const { rows: csvRows, problems } = parseCsv(text);
  const [header, ...data] = csvRows;
  const columns = header?.fields.map((f) => f.toLowerCase()) ?? [];
  const unknown = columns.filter((c) => !COLUMNS.includes(c));
  if (!header || !columns.includes('phone') || !columns.includes('instance') || unknown.length > 0) {
    throw new InvalidInput(
      `Line ${header?.line ?? 1} of '${file}' must be the header phone,instance,fleet (fleet optional)` +
        (unknown.length > 0 ? `; unknown column(s): ${unknown.join(', ')}` : '') +
        '. Nothing was imported.',
    );
  }
  const config = ctx.config();
  const db = await ctx.db();
  const requestedBy = operatorName(ctx.env).replace(/\(cli\)$/, '(cli import)');
  const rows: ImportRow[] = problems.map((p) => ({
    line: p.line,
    phone: '-',
    instance: '-',
    fleet: '-',
    outcome: 'error',
    detail: p.error,
  }));
  const accepted: { row: ImportRow; input: OnboardingInput }[] = [];
  const seen = new Map<string, number>();

  for (const { line, fields } of data) {
    const get = (column: string) => fields[columns.indexOf(column)] ?? '';
    const row: ImportRow = {
      line,
      phone: maskPhone(get('phone')),
      instance: get('instance') || '-',
      fleet: get('fleet') || 'default',
      outcome: 'error',
      detail: '',
    };
    rows.push(row);
    if (fields.length !== columns.length) {
      row.detail = `expected ${columns.length} fields (${columns.join(',')}), found ${fields.length}`;
      continue;
    }
    let input: OnboardingInput;
    try {
      input = onboardingInput(
        { phone: get('phone'), instance: get('instance'), fleet: get('fleet'), method: opts.pairingCode ? 'pairing' : 'qr', requestedBy },
        config.onboarding,
      );
    } catch (err) {
      row.detail = (err as Error).message;
      continue;
    }
    row.fleet = input.fleetId;
    const earlier = seen.get(`phone:${input.phone}`) ?? seen.get(`instance:${input.instanceName}`);
    if (earlier !== undefined) {
      row.detail = `duplicate of line ${earlier} (same phone or instance)`;
      continue;
    }
    seen.set(`phone:${input.phone}`, line);
    seen.set(`instance:${input.instanceName}`, line);
    const byPhone = await db.findChipByPhone(input.phone);
    const byInstance = await db.findChipByInstance(input.instanceName);
    if (byPhone && byPhone.id === byInstance?.id) {
      Object.assign(row, { outcome: 'skipped', detail: `already registered as chip ${byPhone.id}`, chipId: byPhone.id });
      continue;
    }
    if (byPhone || byInstance) {
      row.detail = byPhone
        ? `phone already registered as chip ${byPhone.id} (instance ${byPhone.instanceName})`
        : `instance already registered as chip ${byInstance!.id} (${maskPhone(byInstance!.phone)})`;
      continue;
    }
    accepted.push({ row, input });
  }

  const handles: { row: ImportRow; handle: OnboardingHandle }[] = [];
  if (accepted.length > 0) {
    const { client } = await ctx.temporal();
    for (const { row, input } of accepted) {
      try {
        const { handle, attached } = await startOnboarding(client, input, config.temporal.taskQueue);
        Object.assign(row, {
          outcome: 'started',
          detail: attached ? 'already onboarding' : 'onboarding started',
          workflowId: handle.workflowId,
        });
        handles.push({ row, handle });
      } catch (err) {
        row.detail = (err as Error).message;
      }
    }
    await settle(handles);
  }

  rows.sort((a, b) => a.line - b.line);
  if (opts.json) ctx.io.out(`${JSON.stringify({ rows }, null, 2)}\n`);
  else {
    ctx.io.out(
      `${table(
        ['LINE', 'PHONE', 'INSTANCE', 'FLEET', 'RESULT', 'DETAIL'],
        rows.map((r) => [String(r.line), r.phone, r.instance, r.fleet, r.outcome, r.detail]),
      )}\n`,
    );
    const counts = (['warming', 'waiting', 'started', 'skipped', 'failed', 'error'] as const).map(
      (o) => `${rows.filter((r) => r.outcome === o).length} ${o}`,
    );
    ctx.io.out(`${counts.join(', ')}\n`);
  }
  const bad = rows.filter((r) => r.outcome === 'error' || r.outcome === 'failed');
  if (bad.length > 0)
    throw new Error(`${bad.length} row(s) not imported: line(s) ${bad.map((r) => r.line).join(', ')}. The other rows are unaffected.`);
}

/** Waits (bounded) until each onboarding is warming, waiting for its code, or has ended; records where each stands. */
async function settle(handles: { row: ImportRow; handle: OnboardingHandle }[]): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  let pending = handles;
  while (pending.length > 0) {
    const next: typeof pending = [];
    for (const entry of pending) {
      const view = await entry.handle.query(onboardingQuery).catch(() => null);
      if (!view || !SETTLED.includes(view.step)) {
        if (view) entry.row.detail = ONBOARDING_STEP_LABEL[view.step];
        next.push(entry);
        continue;
      }
      if (view.step === 'warming')
        Object.assign(entry.row, {
          outcome: 'warming',
          detail: view.adopted ? 'adopted: already connected' : 'connected',
          chipId: view.chipId ?? undefined,
        });
      else if (view.step === 'failed') {
        Object.assign(entry.row, { outcome: 'failed', detail: view.failure ? `${view.failure.code}: ${view.failure.reason}` : 'failed' });
      } else {
        const what = view.method === 'pairing' ? 'pairing code' : 'QR code';
        Object.assign(entry.row, {
          outcome: 'waiting',
          detail: `waiting for its ${what} to be used: show it with warmer chip onboard, or in the console`,
        });
      }
    }
    pending = next;
    if (pending.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
}
