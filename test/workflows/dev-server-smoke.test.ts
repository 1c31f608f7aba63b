import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
afterAll(async () => env?.teardown());

test('the dev server starts from the resolved CLI with the Warmer search attributes registered', async () => {
  env = await devServerEnv();
  const list = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  expect(Object.keys(list.customAttributes ?? {})).toEqual(expect.arrayContaining(['WarmerPhase', 'WarmerStatus', 'WarmerHealth']));
});
