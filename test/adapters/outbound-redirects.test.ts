/**
 * Outbound calls go where they were told: the Evolution API client, Slack and the LLM source never
 * follow a redirect (their keys would follow it), over real HTTP against loopback servers: the
 * redirect's target never receives a request.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLlmSource } from '../../src/adapters/dialogue/llm-source';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { createSlackNotifier } from '../../src/adapters/notify/slack';
import { ProviderConfig } from '../../src/domain/errors';

async function server(answer: (res: http.ServerResponse) => void) {
  const hits: { method?: string; headers: http.IncomingHttpHeaders }[] = [];
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ method: req.method, headers: req.headers });
      answer(res);
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { hits, url, close: () => new Promise<void>((r) => s.close(() => r())) };
}

let target: Awaited<ReturnType<typeof server>>;
let redirecting: Awaited<ReturnType<typeof server>>;
beforeEach(async () => {
  target = await server((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"instance":{"state":"open"}}'));
  redirecting = await server((res) => res.writeHead(307, { location: `${target.url}/stolen` }).end());
});
afterEach(async () => {
  await Promise.all([target.close(), redirecting.close()]);
});

test('the Evolution API client answers a redirect with a ProviderConfig error and never sends its API key on', async () => {
  const client = createEvolutionClient({ baseUrl: redirecting.url, apiKey: 'evolution-global-key', retries: 0 });
  const error = await client.connectionState('loja-01').catch((err: unknown) => err);
  expect(error).toBeInstanceOf(ProviderConfig);
  expect((error as Error).message).toMatch(/with a redirect \(307\), not followed/);
  expect(redirecting.hits).toHaveLength(1);
  expect(target.hits).toEqual([]);
});

test('the Evolution API client refuses a base URL with credentials, and never prints the password', () => {
  let message = '';
  try {
    createEvolutionClient({ baseUrl: 'https://admin:s3cr3t-pass@evolution.example', apiKey: 'k' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/must not carry a user or password/);
  expect(message).not.toContain('s3cr3t-pass');
});

test('Slack: a redirecting webhook is a failed notification, logged without the URL; the target gets nothing', async () => {
  const lines: string[] = [];
  await createSlackNotifier({ webhookUrl: `${redirecting.url}/services/T0/B0/secret`, retries: 0, log: (l) => lines.push(l) }).notify({
    kind: 'ready',
    phone: '5511987654321',
    health: 90,
  });
  expect(redirecting.hits).toHaveLength(1);
  expect(target.hits).toEqual([]);
  expect(lines.join('\n')).toMatch(/gave up/);
  expect(lines.join('\n')).not.toContain('/services/T0/B0/secret');
});

test('the LLM source treats a redirect as a failed answer and keeps its bearer key', async () => {
  const source = createLlmSource({ baseUrl: redirecting.url, apiKey: 'llm-bearer-key', model: 'm' });
  await expect(source.next({ maxTurns: 6, random: () => 0.5 })).rejects.toThrow(/HTTP 307/);
  expect(redirecting.hits).toHaveLength(1);
  expect(target.hits).toEqual([]);
});
