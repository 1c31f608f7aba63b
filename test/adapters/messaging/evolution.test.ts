import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvolutionClient, type EvolutionClient } from '../../../src/adapters/messaging/evolution';
import { ProviderUnavailable } from '../../../src/adapters/messaging/provider-unavailable';
import { InvalidPhone, NumberNotOnWhatsApp, ProviderConfig, ProviderDisconnected, isWarmerError } from '../../../src/domain/errors';
import type { Simulator } from '../../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, OUTSIDER_PHONE, startSimulatorWithChips } from '../../simulator/fixtures';

let sim: Simulator;
let client: EvolutionClient;

const makeClient = (overrides: Partial<Parameters<typeof createEvolutionClient>[0]> = {}): EvolutionClient =>
  createEvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2000, retries: 2, retryBaseDelayMs: 5, ...overrides });

const requestsTo = (path: string) => sim.control.requests().filter((r) => r.path.startsWith(path));

beforeEach(async () => {
  sim = await startSimulatorWithChips();
  client = makeClient();
});

afterEach(async () => {
  await sim.close();
});

describe('Evolution client over real HTTP against the simulator', () => {
  describe('sendText', () => {
    it('sends E.164 digits and parses the 201 answer', async () => {
      const sent = await client.sendText(CHIP_A.instance, `+55 (11) 99000-0002`, 'oi, tudo bem?');

      expect(sent.key).toEqual({ remoteJid: `${CHIP_B.phone}@s.whatsapp.net`, fromMe: true, id: expect.stringMatching(/^3EB0[0-9A-F]+$/) });
      expect(sent.status).toBe('PENDING');
      expect(Math.abs(sent.timestamp - Date.now() / 1000)).toBeLessThan(5);
      const [request] = requestsTo('/message/sendText/');
      expect(request).toMatchObject({
        method: 'POST',
        instance: CHIP_A.instance,
        status: 201,
        body: { number: CHIP_B.phone, text: 'oi, tudo bem?' },
      });
      expect(sim.control.deliveryCount(sent.key.id)).toBe(1);
    });

    it('refuses an invalid phone before any HTTP call', async () => {
      await expect(client.sendText(CHIP_A.instance, 'not-a-phone', 'x')).rejects.toBeInstanceOf(InvalidPhone);
      expect(sim.control.requests()).toHaveLength(0);
    });
  });

  describe('sendPresence', () => {
    it('posts the flat { number, presence, delay } body', async () => {
      await client.sendPresence(CHIP_A.instance, CHIP_B.phone, 'composing', 1200);

      const [request] = requestsTo('/chat/sendPresence/');
      expect(request?.body).toEqual({ number: CHIP_B.phone, presence: 'composing', delay: 1200 });
      expect(request?.status).toBe(201);
      expect(sim.control.presences()).toEqual([
        expect.objectContaining({ instance: CHIP_A.instance, number: CHIP_B.phone, presence: 'composing', delayMs: 1200 }),
      ]);
    });

    it('waits for a provider that holds the call for the delay, beyond the plain timeout', async () => {
      sim.control.setHoldPresence(true);
      const started = Date.now();
      await makeClient({ timeoutMs: 100 }).sendPresence(CHIP_A.instance, CHIP_B.phone, 'composing', 250);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    });
  });

  describe('markRead', () => {
    it('posts the readMessages keys of the received message', async () => {
      const sent = await client.sendText(CHIP_A.instance, CHIP_B.phone, 'bom dia');
      await client.markRead(CHIP_B.instance, [{ remoteJid: `${CHIP_A.phone}@s.whatsapp.net`, fromMe: false, id: sent.key.id }]);

      const [request] = requestsTo('/chat/markMessageAsRead/');
      expect(request?.body).toEqual({ readMessages: [{ remoteJid: `${CHIP_A.phone}@s.whatsapp.net`, fromMe: false, id: sent.key.id }] });
      expect(request?.status).toBe(201);
      expect(sim.control.reads()).toEqual([expect.objectContaining({ instance: CHIP_B.instance, id: sent.key.id })]);
    });

    it('turns plain digits into a JID and skips the call when there is nothing to read', async () => {
      await client.markRead(CHIP_B.instance, []);
      expect(sim.control.requests()).toHaveLength(0);
      await client.markRead(CHIP_B.instance, [{ remoteJid: CHIP_A.phone, fromMe: false, id: 'ABC' }]);
      expect(requestsTo('/chat/markMessageAsRead/')[0]?.body).toEqual({
        readMessages: [{ remoteJid: `${CHIP_A.phone}@s.whatsapp.net`, fromMe: false, id: 'ABC' }],
      });
    });
  });

  describe('connectionState', () => {
    it('reads open, then close after a disconnect', async () => {
      expect(await client.connectionState(CHIP_A.instance)).toBe('open');
      sim.control.disconnect(CHIP_A.instance);
      expect(await client.connectionState(CHIP_A.instance)).toBe('close');
    });
  });

  describe('setWebhook', () => {
    it('posts the nested webhook body with our headers', async () => {
      await client.setWebhook(CHIP_A.instance, { url: 'http://127.0.0.1:1/webhook', headers: { 'x-warmer-secret': 's3cret' } });

      const [request] = requestsTo('/webhook/set/');
      expect(request?.status).toBe(201);
      expect(request?.body).toEqual({
        webhook: {
          enabled: true,
          url: 'http://127.0.0.1:1/webhook',
          headers: { 'x-warmer-secret': 's3cret' },
          byEvents: false,
          base64: false,
          events: ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'CONNECTION_UPDATE', 'STATUS_INSTANCE', 'LOGOUT_INSTANCE', 'CALL'],
        },
      });
    });
  });

  describe('error classes', () => {
    it('bad API key (401) is a non-retryable ProviderConfig, on every endpoint', async () => {
      const bad = makeClient({ apiKey: 'wrong-key' });
      const calls = [
        () => bad.sendText(CHIP_A.instance, CHIP_B.phone, 'x'),
        () => bad.sendPresence(CHIP_A.instance, CHIP_B.phone, 'composing', 10),
        () => bad.markRead(CHIP_A.instance, [{ remoteJid: `${CHIP_B.phone}@s.whatsapp.net`, fromMe: false, id: 'X' }]),
        () => bad.connectionState(CHIP_A.instance),
        () => bad.setWebhook(CHIP_A.instance, { url: 'http://127.0.0.1:1/webhook' }),
      ];
      for (const call of calls) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ProviderConfig);
        expect((err as Error).message).toMatch(/API key/);
      }
      expect(sim.control.requests().map((r) => r.status)).toEqual([401, 401, 401, 401, 401]); // no retries
    });

    it('unknown instance (404, even with a bad key) is a non-retryable ProviderConfig', async () => {
      for (const c of [client, makeClient({ apiKey: 'wrong-key' })]) {
        await expect(c.sendText('ghost', CHIP_B.phone, 'x')).rejects.toThrow(ProviderConfig);
        await expect(c.connectionState('ghost')).rejects.toThrow(/no instance named 'ghost'/);
      }
      expect(sim.control.requests()).toHaveLength(4);
    });

    it('a number not on WhatsApp (400 exists:false) is NumberNotOnWhatsApp, masked', async () => {
      sim.control.markUnregistered(OUTSIDER_PHONE);
      const err = await client.sendText(CHIP_A.instance, OUTSIDER_PHONE, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NumberNotOnWhatsApp);
      expect((err as Error).message).toContain('***9999');
      expect((err as Error).message).not.toContain(OUTSIDER_PHONE);
      await expect(client.sendPresence(CHIP_A.instance, OUTSIDER_PHONE, 'composing', 10)).rejects.toBeInstanceOf(NumberNotOnWhatsApp);
    });

    it('a disconnected instance ("Connection Closed", 400 on send, 500 elsewhere) is ProviderDisconnected and not retried', async () => {
      sim.control.disconnect(CHIP_A.instance);
      await expect(client.sendText(CHIP_A.instance, CHIP_B.phone, 'x')).rejects.toBeInstanceOf(ProviderDisconnected);
      await expect(client.sendPresence(CHIP_A.instance, CHIP_B.phone, 'composing', 10)).rejects.toBeInstanceOf(ProviderDisconnected);
      await expect(
        client.markRead(CHIP_A.instance, [{ remoteJid: `${CHIP_B.phone}@s.whatsapp.net`, fromMe: false, id: 'X' }]),
      ).rejects.toBeInstanceOf(ProviderDisconnected);
      expect(sim.control.requests().map((r) => [r.path.split('/')[2], r.status])).toEqual([
        ['sendText', 400],
        ['sendPresence', 500],
        ['markMessageAsRead', 500],
      ]);
    });

    it('banned and logged-out instances fail the same way', async () => {
      sim.control.ban(CHIP_A.instance, 406);
      sim.control.logout(CHIP_B.instance);
      await expect(client.sendText(CHIP_A.instance, CHIP_B.phone, 'x')).rejects.toBeInstanceOf(ProviderDisconnected);
      await expect(client.sendText(CHIP_B.instance, CHIP_A.phone, 'x')).rejects.toBeInstanceOf(ProviderDisconnected);
    });

    it('errors are WarmerErrors with a code; ProviderUnavailable is the retryable one', async () => {
      sim.control.disconnect(CHIP_B.instance);
      const closed = await client.sendText(CHIP_B.instance, CHIP_A.phone, 'x').catch((e: unknown) => e);
      expect(isWarmerError(closed) && closed.code).toBe('ProviderDisconnected');
      expect(isWarmerError(closed) && closed.retryable).toBe(false);

      sim.control.failNextSends(CHIP_A.instance, 1);
      const err = await client.sendText(CHIP_A.instance, CHIP_B.phone, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderUnavailable);
      expect(err).toMatchObject({ code: 'ProviderUnavailable', retryable: true, reason: 'server_error', status: 500 });
    });

    it('a 5xx on sendText is retryable for the caller but never retried by the client', async () => {
      sim.control.failNextSends(CHIP_A.instance, 1);
      await expect(client.sendText(CHIP_A.instance, CHIP_B.phone, 'x')).rejects.toBeInstanceOf(ProviderUnavailable);
      expect(requestsTo('/message/sendText/')).toHaveLength(1);
      expect(sim.control.deliveries()).toHaveLength(0);
    });

    it('idempotent calls are retried with backoff on 5xx, a bounded number of times', async () => {
      sim.control.failNextRequests(CHIP_A.instance, 2);
      expect(await client.connectionState(CHIP_A.instance)).toBe('open');
      expect(requestsTo('/instance/connectionState/').map((r) => r.status)).toEqual([500, 500, 200]);

      sim.control.failNextRequests(CHIP_A.instance, 10, 503);
      await expect(client.sendPresence(CHIP_A.instance, CHIP_B.phone, 'paused', 0)).rejects.toMatchObject({
        reason: 'server_error',
        status: 503,
      });
      expect(requestsTo('/chat/sendPresence/')).toHaveLength(3); // 1 + retries(2)
    });

    it('a timeout is a retryable ProviderUnavailable; sendText is attempted once', async () => {
      sim.control.setLatency(400);
      const impatient = makeClient({ timeoutMs: 100, retries: 1 });
      await expect(impatient.sendText(CHIP_A.instance, CHIP_B.phone, 'x')).rejects.toMatchObject({ reason: 'timeout', retryable: true });
      expect(requestsTo('/message/sendText/')).toHaveLength(1);
      await expect(impatient.connectionState(CHIP_A.instance)).rejects.toMatchObject({ reason: 'timeout' });
      expect(requestsTo('/instance/connectionState/')).toHaveLength(2);
    });

    it('an unreachable provider is a retryable network failure', async () => {
      const port = await closedPort();
      const offline = createEvolutionClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY, retries: 1, retryBaseDelayMs: 1 });
      await expect(offline.connectionState(CHIP_A.instance)).rejects.toMatchObject({ reason: 'network', retryable: true });
    });

    it('a 2xx sendText answer without a key is an unknown outcome, not a success', async () => {
      const server = createServer((_req, res) => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{"status":"PENDING"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const odd = createEvolutionClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, apiKey: API_KEY });
      try {
        await expect(odd.sendText(CHIP_A.instance, CHIP_B.phone, 'x')).rejects.toMatchObject({ reason: 'bad_response' });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
