/**
 * The compose stack's namespace script (deploy/temporal/setup-namespace.sh, run by the
 * temporal-setup service from temporalio/admin-tools) against a real Temporal server: it creates
 * a namespace with Warmer's search attributes, and a second run changes nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_TYPES } from '../../src/app/search-attributes';
import { resolveTemporalBinary } from '../../src/temporal-binaries';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'deploy', 'temporal', 'setup-namespace.sh');

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: resolveTemporalBinary('cli') } },
  });
});
afterAll(async () => {
  await env?.teardown();
});

test('setup-namespace.sh creates the namespace and registers the search attributes, idempotently', async () => {
  const namespace = `warmer-compose-${Date.now()}`;
  const run = () =>
    promisify(execFile)('sh', [SCRIPT], {
      env: {
        PATH: `${path.dirname(resolveTemporalBinary('cli'))}${path.delimiter}${process.env.PATH}`,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: namespace,
      },
      timeout: 90_000,
    });
  await run();
  const listed = await env.connection.operatorService.listSearchAttributes({ namespace });
  const custom = Object.fromEntries(Object.entries(listed.customAttributes ?? {}).filter(([name]) => name.startsWith('Warmer')));
  expect(custom).toEqual(SEARCH_ATTRIBUTE_TYPES);
  const again = await run();
  expect(again.stdout).toMatch(/WarmerPhase already registered/);
  expect(again.stdout).toContain(`namespace ${namespace} ready`);
});
