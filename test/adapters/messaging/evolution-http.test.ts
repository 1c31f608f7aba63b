/**
 * The shared machinery of the Evolution client: it never follows a redirect (an outbound call goes
 * only where it was configured to go), and a 3xx is a refusal that is not retried.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvolutionClient } from '../../../src/adapters/messaging/evolution';
import { ProviderConfig } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, startSimulatorWithChips } from '../../simulator/fixtures';

let sim: Simulator;
let redirector: Server;
let hits = 0;

beforeEach(async () => {
  sim = await startSimulatorWithChips();
  hits = 0;
  redirector = createServer((req, res) => {
    hits += 1;
    res.writeHead(302, { location: `${sim.url}${req.url ?? '/'}` });
    res.end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  redirector.closeAllConnections();
  await new Promise((resolve) => redirector.close(resolve));
  await sim.close();
});

it('does not follow a redirect: a 302 is a non-retryable refusal and the target is never called', async () => {
  const client = createEvolutionClient({
    baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
    apiKey: API_KEY,
    retryBaseDelayMs: 1,
  });
  const err = await client.updateProfileName(CHIP_A.instance, 'Ana').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderConfig);
  expect((err as Error).message).toMatch(/updateProfileName for instance 'chip-a' with a redirect \(302\), not followed/);
  expect(hits).toBe(1);
  expect(sim.control.requests()).toHaveLength(0);
});
