/**
 * On a real Temporal dev server (what the operator's UI reads): search attributes, the static summary
 * and live current details of a chip, and a terminated conversation that the chip contains.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chipStatus, startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { createFakeWorld } from '../helpers/fake-activities';
import { clockAtNoon, devServerEnv, makeChip, testSettings, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => env?.teardown());

const until = async (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('the dev server starts from the resolved CLI with the Warmer search attributes registered', async () => {
  const list = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  expect(Object.keys(list.customAttributes ?? {})).toEqual(expect.arrayContaining(['WarmerPhase', 'WarmerStatus', 'WarmerHealth']));
});

test('the UI shows each chip by summary and live details; a terminated conversation ends no chip', async () => {
  const world = createFakeWorld(env.client);
  const chips = [makeChip('ui'), makeChip('uj')];
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  const taskQueue = `ui-${Date.now()}`;
  // A program day of 10 minutes with a slowed pace: turns a few seconds apart, so a conversation can be caught mid-way.
  const settings = testSettings({ ...clockAtNoon(Date.now(), 10 * 60_000), paceScale: 20, searchAttributes: true });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    const handles = [];
    for (const chip of chips) {
      const state = { phase: 'expansao' as const, phaseStartedAtMs: Date.now(), sentTotal: 50, receivedTotal: 50, repliedTotal: 25 };
      handles.push(
        await startChipWarmup(env.client, {
          chip,
          registeredAt: new Date(Date.now() - 60 * 60_000).toISOString(),
          settings,
          taskQueue,
          state,
          fleetId: 'ui-fleet',
        }),
      );
    }
    const [a] = chips as [ReturnType<typeof makeChip>];
    const described = await env.client.workflow.getHandle(chipWorkflowId(a.chipId)).describe();
    expect(described.type).toBe('ChipWarmupWorkflow');
    const summary = await described.staticSummary();
    expect(summary).toBe(`${a.instanceName} · ***${a.phone.slice(-4)} · frota ui-fleet`);
    expect(summary).not.toContain(a.phone);

    // Catch a conversation between two turns and terminate it, as an operator might by mistake. Once its
    // child runs: the plan sends the first turn before the conversation's child workflow starts.
    let victim: string | undefined;
    await until('a conversation in flight', async () => {
      victim = world.deliveries.find((d) => world.conversations.get(d.conversationId)?.outcome === undefined)?.conversationId;
      if (victim === undefined) return false;
      return env.client.workflow
        .getHandle(`conversation/${victim}`)
        .describe()
        .then(() => true)
        .catch(() => false);
    });
    const child = env.client.workflow.getHandle(`conversation/${victim}`);
    expect((await child.describe()).type).toBe('ConversationWorkflow');
    expect(await (await child.describe()).staticSummary()).toMatch(/^\d+ turns: .+ <-> \*\*\*\d{4}$/);
    await child.terminate('operator mistake');
    await until('the cut conversation closed by its chip', () => world.conversations.get(victim!)?.outcome === 'failed');
    const before = world.deliveries.length;
    await until('conversations after the termination', () => world.deliveries.filter((d) => d.conversationId !== victim).length > before);
    for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');

    // Current details: what the workflow page shows without a query of ours.
    const metadata = (await env.client.workflow.getHandle(chipWorkflowId(a.chipId)).query('__temporal_workflow_metadata')) as {
      currentDetails?: string;
    };
    expect(metadata.currentDetails).toMatch(/\*\*expansao\*\* · dia \d+\/7 · status warming/);
    expect(metadata.currentDetails).toMatch(/enviadas hoje \d+\/30/);
    expect((await chipStatus(env.client, a.chipId)).status).toBe('warming');
    for (const h of handles) await h.terminate();
  });
}, 120_000);
