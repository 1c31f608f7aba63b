/**
 * The fault rows of docs/reliability.md's real-stack table (test/faults/real-stack.ts): one fleet warms up on
 * the dev server with a compressed program day while each fault is injected in turn. A row's
 * window runs from its injection to the start of the next row; the accounting (real-measure.ts)
 * buckets every send, claim, alert and ended chip into the window it happened in.
 */
import { REAL_DAY_MS } from '../../src/domain/clock';
import { chipWorkflowId } from '../../src/domain/chip';
import { waitFor } from '../helpers/integration';
import { WEBHOOK_SECRET, type RealStack } from './real-stack';

export interface RealSize {
  chips: number;
  /** One program day, in real ms (WARMER_DAY). */
  dayMs: number;
  /** Program minutes (the fault plan's durations). */
  dbDownMin: number;
  evolutionDownMin: number;
  slackDownMin: number;
  /** Real ms the dev server stays down between stop and start. */
  temporalDownMs: number;
  kills: number;
  /** Real ms of quiet time at the start (baseline row) and after each fault. */
  baselineMs: number;
  settleMs: number;
}

export interface RealOutcome {
  /** What was measured beyond the shared accounting (statuses, refusals, resumption). */
  measured: string;
  /** What must hold but did not; empty when the row passes. */
  violations: string[];
}

export interface RealFault {
  name: string;
  injected(size: RealSize): string;
  holds: string;
  run(stack: RealStack, size: RealSize): Promise<RealOutcome>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Program minutes -> real ms at this size's program day. */
export const realMs = (size: RealSize, programMin: number): number => Math.round((programMin * 60_000 * size.dayMs) / REAL_DAY_MS);
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** Waits for the next message any chip sends (a conversation is then under way); ms waited. */
async function nextSend(stack: RealStack, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  const before = stack.sim.control.sent().length;
  await waitFor(() => stack.sim.control.sent().length > before, 'the next send', timeoutMs, 50);
  return Date.now() - started;
}

async function chipStatuses(stack: RealStack): Promise<string[]> {
  const result = await stack.pg.query<{ status: string }>('select status from warmup_chips order by id');
  return result.rows.map((r) => r.status);
}

async function workflowsRunning(stack: RealStack): Promise<number> {
  let running = 0;
  for (const chip of stack.chips) {
    const d = await stack.client.workflow.getHandle(chipWorkflowId(chip.chipId)).describe();
    if (d.status.name === 'RUNNING') running++;
  }
  return running;
}

async function post(
  stack: RealStack,
  body: string,
  headers: Record<string, string> = { 'x-warmer-secret': WEBHOOK_SECRET },
): Promise<number> {
  const res = await fetch(stack.receiverUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  await res.arrayBuffer();
  return res.status;
}

const envelope = (event: string, instance: string, data: unknown) =>
  JSON.stringify({ event, instance, data, date_time: new Date().toISOString(), sender: null, server_url: 'fault-suite', apikey: null });

const update = (id: string, status: string) => ({
  keyId: id,
  messageId: id,
  remoteJid: '5511900000000@s.whatsapp.net',
  fromMe: true,
  status,
  instanceId: 'fault-suite',
});

/** Provider facts (receipts, failures, unconfirmed reports) whose key names one of these message ids. */
async function facts(stack: RealStack, ids: string[]): Promise<{ total: number; byKind: Record<string, number> }> {
  const result = await stack.pg.query<{ tipo: string; n: number }>(
    `select tipo, count(*)::int as n from warmup_interactions where tipo <> 'msg_enviada' and idempotency_key is not null
       and exists (select 1 from unnest($1::text[]) id where idempotency_key like '%' || id || '%') group by tipo`,
    [ids],
  );
  const byKind = Object.fromEntries(result.rows.map((r) => [r.tipo, r.n]));
  return { total: result.rows.reduce((n, r) => n + r.n, 0), byKind };
}

export const REAL_FAULTS: RealFault[] = [
  {
    name: 'none',
    injected: (s) => `baseline: nothing injected until the fleet has sent ${s.chips} messages, then ${seconds(s.baselineMs)} more`,
    holds: 'conversations run',
    run: async (stack, size) => {
      const t = Date.now();
      await waitFor(() => stack.sim.control.sent().length >= size.chips, 'the first messages', 120_000, 50);
      await sleep(size.baselineMs);
      return { measured: `${stack.sim.control.sent().length} messages in ${seconds(Date.now() - t)}`, violations: [] };
    },
  },
  {
    name: 'database-down',
    injected: (s) =>
      `PostgreSQL unreachable for ${s.dbDownMin} program min (${seconds(realMs(s, s.dbDownMin))} real; longer if the worker tried none meanwhile): a TCP proxy resets every connection and refuses new ones, mid-conversation`,
    holds: 'no turn counted twice or lost; sends resume once it is back',
    run: async (stack, size) => {
      await nextSend(stack);
      const { child } = stack.worker();
      const refusedBefore = stack.proxy.refused();
      stack.proxy.cut();
      const t = Date.now();
      await sleep(realMs(size, size.dbDownMin));
      // A fault that never bit proves nothing: stay down until the worker has hit it at least once.
      await waitFor(() => stack.proxy.refused() > refusedBefore, 'a refused database connection', 60_000, 50).catch(() => undefined);
      const downMs = Date.now() - t;
      stack.proxy.restore();
      const refused = stack.proxy.refused() - refusedBefore;
      const webhooks5xx = stack.sim.control.webhooks().filter((w) => w.at >= t && (w.status ?? 0) >= 500).length;
      const resumed = await nextSend(stack);
      return {
        measured: `down ${seconds(downMs)}: ${refused} connections refused, ${webhooks5xx} provider webhooks answered 5xx (retried); first send ${seconds(resumed)} after it came back`,
        violations: [
          ...(refused > 0 ? [] : ['the worker never tried the database while it was down']),
          ...(child.exitCode === null && child.signalCode === null ? [] : ['the worker process exited']),
        ],
      };
    },
  },
  {
    name: 'temporal-restart',
    injected: (s) =>
      `Temporal dev server stopped (SIGTERM) mid-conversation, started again on the same SQLite file ${seconds(s.temporalDownMs)} later`,
    holds: 'the same worker process reconnects by itself; sends resume',
    run: async (stack, size) => {
      await nextSend(stack);
      const { child } = stack.worker();
      await stack.restartTemporal(size.temporalDownMs);
      const resumed = await nextSend(stack);
      const alive = child.exitCode === null && child.signalCode === null;
      return {
        measured: `worker pid ${alive ? 'unchanged, still running' : 'EXITED'}; first send ${seconds(resumed)} after the restart`,
        violations: alive ? [] : ['the worker process exited instead of reconnecting'],
      };
    },
  },
  {
    name: 'evolution-5xx',
    injected: (s) =>
      `every Evolution API call answers 503 for ${s.evolutionDownMin} program min (${seconds(realMs(s, s.evolutionDownMin))} real; longer if no call came meanwhile)`,
    holds: 'failed sends are not counted; sends resume',
    run: async (stack, size) => {
      await nextSend(stack);
      const t = Date.now();
      for (const chip of stack.chips) stack.sim.control.failNextRequests(chip.instanceName, 1_000_000_000, 503);
      await sleep(realMs(size, size.evolutionDownMin));
      const refusedCalls = () => stack.sim.control.requests().filter((r) => r.at >= t && r.status === 503).length;
      // A fault that never bit proves nothing: keep failing until at least one call was refused.
      await waitFor(() => refusedCalls() > 0, 'a refused provider call', 60_000, 50).catch(() => undefined);
      const downMs = Date.now() - t;
      for (const chip of stack.chips) stack.sim.control.failNextRequests(chip.instanceName, 0, 503);
      const failed = refusedCalls();
      const resumed = await nextSend(stack);
      return {
        measured: `failing ${seconds(downMs)}: ${failed} calls answered 503; first send ${seconds(resumed)} after`,
        violations: failed > 0 ? [] : ['no call reached the failing provider'],
      };
    },
  },
  {
    name: 'worker-sigkill',
    injected: (s) =>
      `the worker process (worker + webhook receiver) killed with SIGKILL ${s.kills} times, each right after a turn went out; a new process started each time`,
    holds: 'no turn sent twice; a turn caught at the provider stays in flight (counted toward the cap, never resent)',
    run: async (stack, size) => {
      let restartMs = 0;
      let open = 0;
      for (let i = 0; i < size.kills; i++) {
        await nextSend(stack);
        const openNow = await stack.pg.query('select 1 from warmup_conversations where completed_at is null');
        if (openNow.rowCount) open++;
        await stack.killWorker('SIGKILL');
        const t = Date.now();
        await stack.startWorker();
        restartMs += Date.now() - t;
      }
      return {
        measured: `${size.kills} kills, ${open} with a conversation open; a new worker ready in ${seconds(restartMs / size.kills)} on average`,
        violations: open > 0 ? [] : ['no kill hit an open conversation'],
      };
    },
  },
  {
    name: 'webhook-batch-x10',
    injected: () =>
      'one messages.update batch (READ for sent messages, ERROR for 1 sent message, ERROR for an id this chip never sent) posted 10 times',
    holds:
      'all answered 200; the 2nd to 10th deliveries record nothing (1 delivery failure, 1 unconfirmed report in all); no delivery failure for the never-sent id; chips keep warming',
    run: async (stack) => {
      // Messages sent a few seconds ago: the simulator's own receipts for them have arrived.
      await sleep(2000);
      const sent = await stack.pg.query<{ chip_id: string; provider_message_id: string }>(
        `select chip_id::text, provider_message_id from warmup_interactions where tipo = 'msg_enviada' and estado = 'sent'
           and group_conversation_id is null and sent_at < now() - interval '2 seconds' order by id desc limit 6`,
      );
      const chip = stack.chips.find((c) => c.chipId === sent.rows[0]!.chip_id)!;
      // One batch is one instance's: the ids of that chip only.
      const mine = sent.rows.filter((r) => r.chip_id === chip.chipId).map((r) => r.provider_message_id);
      const neverSent = `never-sent-${Date.now()}`;
      const items = [...mine.slice(1).map((id) => update(id, 'READ')), update(mine[0]!, 'ERROR'), update(neverSent, 'ERROR')];
      const body = envelope('messages.update', chip.instanceName, items);
      const statuses = [await post(stack, body)];
      const afterFirst = await facts(stack, [...mine, neverSent]);
      for (let i = 1; i < 10; i++) statuses.push(await post(stack, body));
      const afterTenth = await facts(stack, [...mine, neverSent]);
      const ghost = await facts(stack, [neverSent]);
      const statusesNow = await chipStatuses(stack);
      const violations: string[] = [];
      if (statuses.some((s) => s !== 200)) violations.push(`statuses ${statuses.join(',')}`);
      // Failures and unconfirmed reports only come from this batch (the simulator's own receipts, which
      // may still arrive for these messages, are delivered/read): replays must add none of them.
      const failures = (f: { byKind: Record<string, number> }) => (f.byKind.delivery_failed ?? 0) + (f.byKind.unconfirmed ?? 0);
      if (failures(afterTenth) !== failures(afterFirst))
        violations.push(`replays recorded ${failures(afterTenth) - failures(afterFirst)} more failures`);
      if (afterTenth.byKind.delivery_failed !== 1 || afterTenth.byKind.unconfirmed !== 1)
        violations.push(`expected 1 delivery failure and 1 unconfirmed report, got ${JSON.stringify(afterTenth.byKind)}`);
      if (ghost.byKind.delivery_failed) violations.push('a delivery failure was recorded for the never-sent id');
      if (statusesNow.some((s) => s !== 'warming')) violations.push(`chip statuses ${statusesNow.join(',')}`);
      return {
        measured: `10/10 answered ${[...new Set(statuses)].join('/')}; facts for the batch's ids after the 1st delivery ${JSON.stringify(afterFirst.byKind)}, after the 10th ${JSON.stringify(afterTenth.byKind)} (receipts the simulator posts meanwhile included); never-sent id: ${JSON.stringify(ghost.byKind)}; chips ${[...new Set(statusesNow)].join('/')}`,
        violations,
      };
    },
  },
  {
    name: 'forged-ban',
    injected: () => 'connection.update close 403, then 401, for a chip whose provider connectionState says open (each posted twice)',
    holds: 'the chip keeps warming, its workflow runs; the report is recorded as unconfirmed with a warning alert',
    run: async (stack) => {
      const chip = stack.chips[0]!;
      const statuses: number[] = [];
      for (const statusReason of [403, 403, 401, 401]) {
        statuses.push(
          await post(
            stack,
            envelope('connection.update', chip.instanceName, { instance: chip.instanceName, state: 'close', statusReason }),
          ),
        );
      }
      const status = (await stack.pg.query<{ status: string }>('select status from warmup_chips where id = $1', [chip.chipId])).rows[0]!
        .status;
      const unconfirmed = (
        await stack.pg.query<{ n: number }>(
          `select count(*)::int as n from warmup_interactions where chip_id = $1 and tipo = 'unconfirmed'`,
          [chip.chipId],
        )
      ).rows[0]!.n;
      const running = await workflowsRunning(stack);
      const violations: string[] = [];
      if (status !== 'warming') violations.push(`chip is ${status}`);
      if (running !== stack.chips.length) violations.push(`${stack.chips.length - running} chip workflows ended`);
      if (unconfirmed === 0) violations.push('nothing recorded as unconfirmed');
      return {
        measured: `answered ${[...new Set(statuses)].join('/')}; chip ${status}; ${unconfirmed} unconfirmed reports recorded`,
        violations,
      };
    },
  },
  {
    name: 'bad-webhooks',
    injected: () =>
      'no secret, wrong secret, non-JSON, 300 KB body, 101-item batch, connection.update whose data is an array (each a forged ban for a warming chip)',
    holds: 'each refused with its status (401/401/400/413/400/400); nothing recorded; no chip changed',
    run: async (stack) => {
      const chip = stack.chips[1] ?? stack.chips[0]!;
      const ban = envelope('connection.update', chip.instanceName, { instance: chip.instanceName, state: 'close', statusReason: 403 });
      const factsBefore = (
        await stack.pg.query<{ n: number }>(
          `select count(*)::int as n from warmup_interactions where chip_id = $1 and tipo in ('unconfirmed', 'banned', 'disconnected')`,
          [chip.chipId],
        )
      ).rows[0]!.n;
      const cases: [string, () => Promise<number>, number][] = [
        ['no secret', () => post(stack, ban, {}), 401],
        ['wrong secret', () => post(stack, ban, { 'x-warmer-secret': 'not-the-secret-000000000000' }), 401],
        ['non-JSON', () => post(stack, '{"event": "connection.update", "instance": '), 400],
        [
          '300 KB',
          () =>
            post(
              stack,
              envelope('connection.update', chip.instanceName, {
                instance: chip.instanceName,
                state: 'close',
                statusReason: 403,
                pad: 'x'.repeat(300 * 1024),
              }),
            ),
          413,
        ],
        [
          '101 items',
          () =>
            post(
              stack,
              envelope(
                'messages.update',
                chip.instanceName,
                Array.from({ length: 101 }, (_, i) => update(`forged-${i}`, 'ERROR')),
              ),
            ),
          400,
        ],
        [
          'data array',
          () =>
            post(
              stack,
              envelope('connection.update', chip.instanceName, [{ instance: chip.instanceName, state: 'close', statusReason: 403 }]),
            ),
          400,
        ],
      ];
      const got: string[] = [];
      const violations: string[] = [];
      for (const [label, send, expected] of cases) {
        const status = await send();
        got.push(`${label} ${status}`);
        if (status !== expected) violations.push(`${label}: ${status}, expected ${expected}`);
      }
      const factsAfter = (
        await stack.pg.query<{ n: number }>(
          `select count(*)::int as n from warmup_interactions where chip_id = $1 and tipo in ('unconfirmed', 'banned', 'disconnected')`,
          [chip.chipId],
        )
      ).rows[0]!.n;
      const forged = (await facts(stack, ['forged-'])).total;
      const statusesNow = await chipStatuses(stack);
      if (factsAfter !== factsBefore || forged > 0) violations.push(`${factsAfter - factsBefore + forged} facts recorded`);
      if (statusesNow.some((s) => s !== 'warming')) violations.push(`chip statuses ${statusesNow.join(',')}`);
      return {
        measured: `${got.join(', ')}; ${factsAfter - factsBefore + forged} facts recorded; chips ${[...new Set(statusesNow)].join('/')}`,
        violations,
      };
    },
  },
  {
    name: 'slack-down',
    injected: (s) =>
      `the Slack webhook answers 503 for ${s.slackDownMin >= 1440 ? `${s.slackDownMin / 1440} program day` : `${s.slackDownMin} program min`} (${seconds(realMs(s, s.slackDownMin))} real); 2 daily summaries sent into it`,
    holds: 'chips go on; every notification Slack refused is logged by the worker; the next one after it is back arrives',
    run: async (stack, size) => {
      const duration = realMs(size, size.slackDownMin);
      const t = Date.now();
      const sentBefore = stack.sim.control.sent().length;
      stack.slack.setDown(true);
      const summary = async (i: number) =>
        stack.client.workflow.execute('DailySummaryWorkflow', {
          taskQueue: stack.taskQueue,
          workflowId: `faults-summary-${t}-${i}`,
          args: [],
        });
      await summary(1);
      await sleep(duration / 2);
      await summary(2);
      await sleep(Math.max(0, duration - (Date.now() - t)));
      // "Chips go on" needs a message meanwhile: a short outage can fall between two conversations.
      await waitFor(() => stack.sim.control.sent().length > sentBefore, 'a message while Slack is down', 120_000, 50).catch(
        () => undefined,
      );
      stack.slack.setDown(false);
      const gaveUp = (stack.workerOutput().match(/\[slack\] gave up on a 'daily_summary'/g) ?? []).length;
      const refused = stack.slack.posts().filter((p) => p.at >= t && p.status === 503).length;
      await summary(3);
      const delivered = stack.slack.posts().filter((p) => p.at >= t && p.status === 200).length;
      const sentDuring = stack.sim.control.sent().length - sentBefore;
      const violations: string[] = [];
      if (gaveUp < 2) violations.push(`${gaveUp} of 2 refused notifications logged`);
      if (delivered < 1) violations.push('the notification after Slack came back did not arrive');
      if (sentDuring === 0) violations.push('no message sent while Slack was down');
      return {
        measured: `${refused} Slack posts answered 503, ${gaveUp}/2 notifications logged as given up; ${sentDuring} messages sent meanwhile; the next summary delivered (${delivered})`,
        violations,
      };
    },
  },
];
