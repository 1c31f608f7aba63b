/**
 * Where the event sender may post, over real HTTP on loopback: every address a receiver's host
 * resolves to is checked at send time, the socket goes to the checked address (a second lookup, as
 * DNS rebinding needs, never happens), redirects are answers and not followed, URLs with credentials
 * are refused.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isForbiddenAddress, ReceiverAddressRefused, type Resolver } from '../../src/adapters/events/receiver-address';
import { createEventSender, ReceiverRefused } from '../../src/adapters/events/webhook-sender';
import type { OutboundEventRecord } from '../../src/adapters/db/port';

const SECRET = 'receiver-address-secret-0123';
const event = { id: 'evt_guard', type: 'chip.paused', payload: { id: 'evt_guard', type: 'chip.paused' } } as unknown as OutboundEventRecord;

interface Hit {
  host: string | undefined;
  path: string | undefined;
}

/** A loopback server recording each request, answering `status` (with a Location when it is a 3xx). */
async function server(status = 200, location?: string) {
  const hits: Hit[] = [];
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ host: req.headers.host, path: req.url });
      res.writeHead(status, location ? { location } : {}).end();
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  return { hits, port, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe('which addresses are refused', () => {
  test.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '64:ff9b::127.0.0.1',
    'not-an-address',
  ])('%s is not a public address', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  test.each(['8.8.8.8', '203.0.113.9', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is a public address',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );
});

describe('the event sender', () => {
  test('refuses a loopback receiver, by address or by name, without connecting', async () => {
    const receiver = await server();
    const send = createEventSender({ secret: SECRET, timeoutMs: 2_000 });
    await expect(send(receiver.url, event)).rejects.toThrow(ReceiverAddressRefused);
    await expect(send(`http://localhost:${receiver.port}/hook`, event)).rejects.toThrow(
      /a loopback, private or link-local address: refused/,
    );
    await expect(send(`http://[::ffff:127.0.0.1]:${receiver.port}/hook`, event)).rejects.toThrow(ReceiverAddressRefused);
    await receiver.close();
    expect(receiver.hits).toEqual([]);
  });

  test('checks every address a name resolves to, not only the first', async () => {
    const receiver = await server();
    const resolve: Resolver = async () => [
      { address: '203.0.113.7', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const send = createEventSender({ secret: SECRET, timeoutMs: 2_000, resolve });
    await expect(send(`http://crm.warmer.test:${receiver.port}/hook`, event)).rejects.toThrow(/resolves to 127\.0\.0\.1/);
    await receiver.close();
    expect(receiver.hits).toEqual([]);
  });

  test('connects to the address it checked: one lookup per delivery, never a second one to be rebound', async () => {
    const receiver = await server();
    const lookups: string[] = [];
    // The first answer is the checked one; any later lookup would get an address nothing listens on.
    const resolve: Resolver = async (host) => {
      lookups.push(host);
      return lookups.length === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }];
    };
    const send = createEventSender({ secret: SECRET, timeoutMs: 2_000, resolve, allowPrivate: true });
    expect(await send(`http://receiver.warmer.test:${receiver.port}/hook?k=1`, event)).toEqual({ status: 200 });
    await receiver.close();
    expect(lookups).toEqual(['receiver.warmer.test']);
    // The request still names the receiver's host: virtual hosts and TLS names keep working.
    expect(receiver.hits).toEqual([{ host: `receiver.warmer.test:${receiver.port}`, path: '/hook?k=1' }]);
  });

  test('does not follow a redirect: a 3xx is a refusal, and its target gets nothing', async () => {
    const target = await server();
    for (const status of [301, 302, 303, 307, 308]) {
      const redirecting = await server(status, target.url);
      const send = createEventSender({ secret: SECRET, timeoutMs: 2_000, allowPrivate: true });
      const error = await send(redirecting.url, event).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ReceiverRefused);
      expect(error).toMatchObject({ status, message: expect.stringMatching(/a redirect \(not followed\)/) });
      await redirecting.close();
      expect(redirecting.hits).toHaveLength(1);
    }
    await target.close();
    expect(target.hits).toEqual([]);
  });

  test('refuses a URL with credentials, and never prints them', async () => {
    const send = createEventSender({ secret: SECRET, timeoutMs: 2_000, allowPrivate: true });
    const error = (await send('http://crm:hunter2-password@127.0.0.1:9/hook', event).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(ReceiverRefused);
    expect(error.message).toMatch(/carries credentials/);
    expect(error.message).not.toContain('hunter2');
  });
});
