/**
 * Runs the real-stack fault rows one after the other on one fleet and accounts for every message:
 * the simulator's accepted sends (what went out) against the database's claims (what was counted),
 * bucketed by the row whose window they fall in.
 *  - lost: a send no claim counts (not explained by a claim left in flight by a kill), or a claim
 *    counted 'sent' whose message the provider never accepted;
 *  - duplicate: a message delivered twice, or more sends than claims for a chip;
 *  - in flight at a kill: a send whose claim stayed 'in_flight' because the worker died before it
 *    recorded the send (at-most-once: counted toward the cap, never resent, its conversation ends);
 *  - over cap: a chip-day with more claims than expansao's daily cap (claims in flight included);
 *  - chips ended: chip workflows not running at the end, by their close time;
 *  - alerts raised: warmup_alerts rows created in the window.
 */
import { chipWorkflowId } from '../../src/domain/chip';
import { PHASE_TABLE } from '../../src/domain/phases';
import type { SentRecord } from '../../src/simulator/simulator';
import type { RealFault, RealSize } from './real-faults';
import { startRealStack, type RealStack } from './real-stack';

export interface RealRow {
  fault: string;
  injected: string;
  holds: string;
  measured: string;
  violations: string[];
  sent: number;
  lost: number;
  duplicate: number;
  inFlightAtKill: number;
  overCap: number;
  chipsEnded: number;
  alerts: string;
  seconds: number;
}

interface Claim {
  chip_id: string;
  estado: string;
  provider_message_id: string | null;
  dia: string;
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRealFaults(
  faults: RealFault[],
  size: RealSize,
  log: (line: string) => void = () => undefined,
): Promise<{ rows: RealRow[]; seconds: number }> {
  const started = Date.now();
  const stack = await startRealStack({ chips: size.chips, dayMs: size.dayMs, fleet: `faults-${started % 100000}` });
  log(`real stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const windows: { fault: RealFault; start: number; end: number; measured: string; violations: string[] }[] = [];
    for (const fault of faults) {
      const start = Date.now();
      log(`real-stack fault ${fault.name}`);
      let outcome;
      try {
        outcome = await fault.run(stack, size);
      } catch (err) {
        outcome = { measured: 'did not finish', violations: [`${(err as Error).message}`] };
      }
      await sleep(size.settleMs);
      windows.push({ fault, start, end: Date.now(), ...outcome });
      log(
        `  [${((Date.now() - start) / 1000).toFixed(1)} s] ${outcome.measured}${outcome.violations.length ? ` — VIOLATIONS: ${outcome.violations.join('; ')}` : ''}`,
      );
    }
    // Let every turn under way finish (or be given up) before counting.
    await waitQuiet(stack, 30_000);
    windows[windows.length - 1]!.end = Number.POSITIVE_INFINITY;
    return { rows: await account(stack, size, windows), seconds: Math.round((Date.now() - started) / 1000) };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- worker output (tail) ---\n${stack.workerOutput().slice(-4000)}`);
  } finally {
    await stack.close();
  }
}

/** Until no claim has been in flight for less than 10 s (a turn under way), or the timeout. */
async function waitQuiet(stack: RealStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await stack.pg.query(
      `select 1 from warmup_interactions where tipo = 'msg_enviada' and estado = 'in_flight' and created_at > now() - interval '10 seconds'`,
    );
    if (!r.rowCount) return;
    await sleep(500);
  }
}

async function account(
  stack: RealStack,
  size: RealSize,
  windows: { fault: RealFault; start: number; end: number; measured: string; violations: string[] }[],
): Promise<RealRow[]> {
  const rows: RealRow[] = windows.map((w) => ({
    fault: w.fault.name,
    injected: w.fault.injected(size),
    holds: w.fault.holds,
    measured: w.measured,
    violations: w.violations,
    sent: 0,
    lost: 0,
    duplicate: 0,
    inFlightAtKill: 0,
    overCap: 0,
    chipsEnded: 0,
    alerts: '',
    seconds: Math.round((Math.min(w.end, Date.now()) - w.start) / 1000),
  }));
  const bucket = (at: number): RealRow =>
    rows[
      Math.max(
        0,
        windows.findIndex((w) => at < w.end),
      )
    ] ?? rows[rows.length - 1]!;
  const phones = new Map(stack.chips.map((c) => [c.phone, c.chipId]));
  const sends = stack.sim.control.sent().filter((s) => phones.has(s.fromPhone));
  const claims = (
    await stack.pg.query<Claim>(
      `select chip_id::text, estado, provider_message_id, dia::text as dia, (extract(epoch from created_at) * 1000)::float8 as at
         from warmup_interactions where tipo = 'msg_enviada' order by created_at`,
    )
  ).rows.map((c) => ({ ...c, at: Number(c.at) }));
  const recorded = new Set(claims.filter((c) => c.estado === 'sent').map((c) => c.provider_message_id));
  // Group messages are sends too (to a group JID): their claims are matched by id like the others.
  const groupSends = stack.sim.control.groupMessages().filter((m) => phones.has(m.fromPhone));
  const sentIds = new Set([...sends, ...groupSends].map((s) => s.messageId));

  for (const s of [...sends, ...groupSends]) bucket(s.at).sent++;
  // Orphan sends: out at the provider, counted by no claim. A claim left in flight by a kill explains one.
  const inFlight = new Map<string, Claim[]>();
  for (const c of claims.filter((c) => c.estado === 'in_flight')) inFlight.set(c.chip_id, [...(inFlight.get(c.chip_id) ?? []), c]);
  const orphans: SentRecord[] = sends.filter((s) => !recorded.has(s.messageId));
  for (const o of orphans) {
    const open = inFlight.get(phones.get(o.fromPhone)!) ?? [];
    const i = open.findIndex((c) => c.at <= o.at + 1000);
    if (i >= 0) {
      open.splice(i, 1);
      bucket(o.at).inFlightAtKill++;
    } else {
      bucket(o.at).lost++;
    }
  }
  for (const c of claims) if (c.estado === 'sent' && !sentIds.has(c.provider_message_id!)) bucket(c.at).lost++;
  for (const s of sends) if (stack.sim.control.deliveryCount(s.messageId) > 1) bucket(s.at).duplicate++;
  // More sends than claims for a chip at a window's end: a turn went out twice.
  let excessBefore = 0;
  for (const [i, w] of windows.entries()) {
    let excess = 0;
    for (const chipId of phones.values()) {
      const s = sends.filter((x) => phones.get(x.fromPhone) === chipId && x.at < w.end).length;
      const c = claims.filter((x) => x.chip_id === chipId && x.at < w.end).length;
      excess += Math.max(0, s - c);
    }
    rows[i]!.duplicate += Math.max(0, excess - excessBefore);
    excessBefore = excess;
  }
  // Over cap: the claim past the cap of a chip-day, in the window it was made.
  const cap = PHASE_TABLE.expansao.dailyCap;
  const perDay = new Map<string, Claim[]>();
  for (const c of claims) perDay.set(`${c.chip_id}:${c.dia}`, [...(perDay.get(`${c.chip_id}:${c.dia}`) ?? []), c]);
  for (const list of perDay.values()) if (list.length > cap) bucket(list[cap]!.at).overCap++;
  for (const chip of stack.chips) {
    const d = await stack.client.workflow.getHandle(chipWorkflowId(chip.chipId)).describe();
    if (d.status.name !== 'RUNNING') bucket(d.closeTime?.getTime() ?? Date.now()).chipsEnded++;
  }
  const alerts = (
    await stack.pg.query<{ severity: string; kind: string; at: number }>(
      `select severity, kind, (extract(epoch from created_at) * 1000)::float8 as at from warmup_alerts order by created_at`,
    )
  ).rows;
  const raised = new Map<RealRow, string[]>();
  for (const a of alerts) {
    const row = bucket(Number(a.at));
    raised.set(row, [...(raised.get(row) ?? []), `${a.severity} ${a.kind}`]);
  }
  for (const [row, list] of raised) {
    const counts = new Map<string, number>();
    for (const l of list) counts.set(l, (counts.get(l) ?? 0) + 1);
    row.alerts = [...counts].map(([l, n]) => `${n} ${l}`).join(', ');
  }
  return rows;
}

export function realMarkdownTable(rowsIn: RealRow[]): string {
  const header =
    '| Fault | What is injected | What must hold | Measured | Messages | Lost | Duplicate | Over cap | Chips ended | In flight at a kill | Alerts raised |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const body = rowsIn.map(
    (r) =>
      `| ${r.fault} | ${r.injected} | ${r.holds} | ${r.measured}${r.violations.length ? ` **FAILED: ${r.violations.join('; ')}**` : ''} | ${r.sent} | ${r.lost} | ${r.duplicate} | ${r.overCap} | ${r.chipsEnded} | ${r.inFlightAtKill} | ${r.alerts || 'none'} |`,
  );
  return [header, ...body].join('\n');
}
