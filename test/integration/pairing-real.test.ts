/**
 * Every chip has partners of its own. Six chips of one fleet on real PostgreSQL, real activities
 * (simulator over HTTP, dialogue library, reservations through the real Update), time-skipping server.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { registerFleet, rows, startIntegrationStack, type IntegrationStack } from '../helpers/integration';
import { testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
let scratch: ScratchDatabase;
beforeAll(async () => {
  scratch = await createScratchDatabase();
  env = await timeSkippingEnv();
  stack = await startIntegrationStack({ client: env.client, postgresUrl: scratch.url });
});
afterAll(async () => {
  await stack?.close();
  await env?.teardown();
  await scratch?.drop();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

test('in a fleet of six, every chip gets at least three partners of its own and nobody carries the fleet', async () => {
  const chips = await registerFleet(stack, 6, 'fleet-six');
  const taskQueue = `pairing-${Date.now()}`;
  const planned = new Set<string>();
  const original = stack.activities.planConversation;
  stack.activities.planConversation = async (input) => {
    const out = await original(input);
    planned.add(input.initiator.chipId);
    return out;
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stack.activities,
  });
  const startMs = await env.currentTimeMs();
  const settings = testSettings();
  await worker.runUntil(async () => {
    const handles = [];
    for (const chip of chips) {
      await stack.db.promoteChip({
        chipId: chip.chipId,
        from: 'setup',
        to: 'primeiros_contatos',
        health: 50,
        replyRate: 0,
        at: new Date(startMs).toISOString(),
      });
      const state = { phase: 'primeiros_contatos' as const, phaseStartedAtMs: startMs };
      handles.push(
        await startChipWarmup(env.client, { chip, registeredAt: new Date(startMs - 3 * DAY).toISOString(), settings, taskQueue, state }),
      );
    }
    // Six program days: four in primeiros_contatos, the promotion, two in expansao. Every chip holds
    // five partners from the first day on and the spread stays under twice the median on every day,
    // so later days (each heavier than the last) only repeat the check.
    for (let i = 0; i < 24; i++) await env.sleep(6 * HOUR);
    for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');
    for (const h of handles) await h.terminate();
  });

  expect(planned.size).toBe(6);
  const partners = await rows<{ chip: string; n: number }>(
    stack.sql,
    `select c.id::text as chip, count(p.*)::int as n from warmup_chips c
       left join warmup_pairs p on p.active and (p.chip_a = c.id or p.chip_b = c.id) group by c.id`,
  );
  expect(partners).toHaveLength(6);
  for (const row of partners) expect(row.n).toBeGreaterThanOrEqual(3);
  // No star: more pairs than one chip alone could hold.
  const [{ n: activePairs }] = (await rows<{ n: number }>(stack.sql, 'select count(*)::int as n from warmup_pairs where active')) as [
    { n: number },
  ];
  expect(activePairs).toBeGreaterThan(5);

  const sent = await rows<{ chip: string; n: number }>(
    stack.sql,
    `select c.id::text as chip, count(i.*)::int as n from warmup_chips c
       left join warmup_interactions i on i.chip_id = c.id and i.estado = 'sent' group by c.id`,
  );
  const counts = sent.map((r) => r.n);
  expect(Math.min(...counts)).toBeGreaterThan(0);
  expect(Math.max(...counts)).toBeLessThanOrEqual(2 * median(counts));
}, 300_000);
