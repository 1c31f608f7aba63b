/**
 * Records the histories of a release, to be replayed by every later release's tests
 * (test/workflows/replay.test.ts). Run it when a release is declared:
 *
 *   npx tsx test/histories/record.ts <version>      e.g. v1
 *
 * It writes test/histories/<version>/<scenario>.json.gz (one Temporal history each, as the proto's JSON) and the
 * release's workflow bundle (workflow-bundle.js.gz), which the upgrade test starts chips on.
 * Scenarios run the real workflow code on the time-skipping server with in-memory activities.
 */
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pauseChip, resumeChip, retireChip, startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { temporalExecutable } from '../../src/temporal-binaries';
import type { ChipState } from '../../src/workflows/api';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { chipInput, makeChip, skipUntilClosed, testSettings } from '../helpers/temporal';

const HOUR = 3_600_000;

interface Recorder {
  save(name: string, workflowId: string, runId?: string): Promise<void>;
}

/** Every run of a workflow, oldest first (continue-as-new chains them). */
async function runIds(client: Client, workflowId: string, firstRunId: string): Promise<string[]> {
  const ids = [firstRunId];
  for (;;) {
    const events = (await client.workflow.getHandle(workflowId, ids.at(-1)).fetchHistory()).events ?? [];
    const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return ids;
    ids.push(next);
  }
}

async function scenario(env: TestWorkflowEnvironment, code: string, name: string, body: (world: FakeWorld, taskQueue: string) => Promise<void>) {
  const world = createFakeWorld(env.client);
  const taskQueue = `record-${name}-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { code }, activities: world.activities });
  await worker.runUntil(() => body(world, taskQueue));
  process.stdout.write(`recorded ${name}\n`);
}

async function fleet(env: TestWorkflowEnvironment, world: FakeWorld, taskQueue: string, labels: string[], state?: Partial<ChipState>, settings = testSettings()) {
  const now = await env.currentTimeMs();
  const chips = labels.map((l) => makeChip(l));
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: state?.phase ?? 'setup' });
  const handles = [];
  for (const chip of chips) {
    handles.push(await startChipWarmup(env.client, { chip, registeredAt: chipInput(chip, now, settings).registeredAt, settings, taskQueue, state, fleetId: 'history' }));
  }
  return { chips, handles };
}

async function main(): Promise<void> {
  const version = process.argv[2];
  if (!version || !/^v\d+$/.test(version)) throw new Error('usage: npx tsx test/histories/record.ts <version, e.g. v1>');
  const dir = path.join(__dirname, version);
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  writeFileSync(path.join(dir, 'workflow-bundle.js.gz'), gzipSync(bundle.code));
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: temporalExecutable('testServer') } });
  const recorder: Recorder = {
    async save(name, workflowId, runId) {
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      // The proto's own JSON mapping (int64 as strings, enums by name): loaded back with History.fromObject.
      const json = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
      writeFileSync(path.join(dir, `${name}.json.gz`), gzipSync(JSON.stringify(json)));
    },
  };
  try {
    await scenario(env, bundle.code, 'warmup', async (world, taskQueue) => {
      const { handles } = await fleet(env, world, taskQueue, ['wa', 'wb', 'wc']);
      await skipUntilClosed(env, handles);
      const runs = await runIds(env.client, handles[0]!.workflowId, handles[0]!.firstExecutionRunId);
      for (const [i, runId] of runs.entries()) await recorder.save(`warmup-chip-run${i + 1}`, handles[0]!.workflowId, runId);
      const completed = [...world.conversations].find(([, c]) => c.outcome === 'completed')![0];
      await recorder.save('conversation-completed', `conversation/${completed}`);
    });

    await scenario(env, bundle.code, 'paused', async (world, taskQueue) => {
      let paused: string | null = null;
      const { chips, handles } = await fleet(env, world, taskQueue, ['pa', 'pb'], { phase: 'expansao', sentTotal: 50, receivedTotal: 50, repliedTotal: 25 });
      world.onTurn = async (d) => {
        if (paused === null && d.turn === 1) {
          paused = d.conversationId;
          await pauseChip(env.client, chips[0]!.chipId, 'operator check');
        }
      };
      for (let i = 0; i < 100 && (paused === null || world.conversations.get(paused)?.outcome === undefined); i++) await env.sleep(10 * 60_000);
      await env.sleep(6 * HOUR);
      await resumeChip(env.client, chips[0]!.chipId);
      await env.sleep(6 * HOUR);
      await retireChip(env.client, chips[0]!.chipId, 'number returned');
      await skipUntilClosed(env, [handles[0]!]);
      await recorder.save('paused-mid-conversation-chip', handles[0]!.workflowId);
      await recorder.save('paused-mid-conversation-child', `conversation/${paused}`);
      await handles[1]!.terminate();
    });

    await scenario(env, bundle.code, 'continue-as-new', async (world, taskQueue) => {
      const settings = testSettings({ maxHistoryEvents: 150 });
      const { handles } = await fleet(env, world, taskQueue, ['ca', 'cb'], { phase: 'expansao', sentTotal: 50, receivedTotal: 50, repliedTotal: 25 }, settings);
      for (let i = 0; i < 200; i++) {
        const runs = await runIds(env.client, handles[0]!.workflowId, handles[0]!.firstExecutionRunId);
        if (runs.length >= 3) break;
        await env.sleep(2 * HOUR);
      }
      const runs = await runIds(env.client, handles[0]!.workflowId, handles[0]!.firstExecutionRunId);
      await recorder.save('continue-as-new-run1', handles[0]!.workflowId, runs[0]);
      await recorder.save('continue-as-new-run2', handles[0]!.workflowId, runs[1]);
      for (const h of handles) await h.terminate();
    });

    await scenario(env, bundle.code, 'fleet-breaker', async (world, taskQueue) => {
      const { chips, handles } = await fleet(env, world, taskQueue, ['fa', 'fb'], { phase: 'primeiros_contatos', sentTotal: 10, receivedTotal: 10, repliedTotal: 5 });
      await env.sleep(14 * HOUR);
      for (const chip of chips) await pauseChip(env.client, chip.chipId, 'fleet breaker: 2 chips with incidents', 'fleet_breaker');
      await env.sleep(12 * HOUR);
      for (const chip of chips) await resumeChip(env.client, chip.chipId, 'fleet_breaker');
      await env.sleep(12 * HOUR);
      for (const chip of chips) await retireChip(env.client, chip.chipId, 'end of recording');
      await skipUntilClosed(env, handles);
      await recorder.save('fleet-breaker-chip', chipWorkflowId(chips[0]!.chipId));
    });
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
