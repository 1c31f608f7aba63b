/**
 * Every checked-in history of every release replays against the current workflow code: a change that
 * would break chips already running fails here (ship it behind patched(), see docs/architecture.md, "Versioning").
 */
import { Worker } from '@temporalio/worker';
import { releaseHistories, releases } from '../helpers/histories';
import { workflowBundle } from '../helpers/temporal';

const versions = releases();

test('there is at least one release with histories', () => {
  expect(versions.length).toBeGreaterThan(0);
  for (const v of versions) expect(releaseHistories(v).length).toBeGreaterThanOrEqual(5);
});

test.each(versions)(
  'histories of %s replay against the current code',
  async (version) => {
    const histories = releaseHistories(version);
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  },
  120_000,
);
