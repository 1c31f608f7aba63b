/**
 * The shared HTTP layer over real sockets, with short limits so each deadline shows in about a second:
 * silent, slow-header and slow-body connections are closed; past the connection cap an idle socket
 * makes room; ordinary requests in progress leave the reserved connections to priority ones.
 */
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { listen, type Listening } from '../../src/adapters/http-listen';
import { createGuardedServer, readBody } from '../../src/adapters/http-server';

const LIMITS = { idleMs: 500, headersMs: 1_000, requestMs: 1_500, maxConnections: 10, reserved: 2 };

let server: Server;
let listening: Listening;
const held: (() => void)[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createGuardedServer(
    (req, res) => {
      const path = req.url ?? '/';
      if (path === '/hold') return void held.push(() => res.end('released'));
      if (path === '/body')
        return void readBody(req, 1024).then(
          (b) => res.end(`got ${b.length}`),
          () => res.destroy(),
        );
      res.end('ok');
    },
    { limits: LIMITS, priority: (req) => req.url === '/healthz' },
  );
  listening = await listen(server, 0, '127.0.0.1');
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const release of held.splice(0)) release();
  await listening.close();
});

/** A raw connection that records what it receives and when it closes. */
interface Conn {
  socket: Socket;
  received: () => string;
  closedAt: Promise<number>;
  closed: () => boolean;
}
function open(): Promise<Conn> {
  return new Promise((resolve) => {
    const socket = connect(listening.port, '127.0.0.1');
    sockets.push(socket);
    let data = '';
    let closed = false;
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', () => undefined);
    const closedAt = new Promise<number>((done) =>
      socket.once('close', () => {
        closed = true;
        done(Date.now());
      }),
    );
    socket.once('connect', () => resolve({ socket, received: () => data, closedAt, closed: () => closed }));
  });
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

const get = (path: string) =>
  within(
    fetch(`${listening.origin}${path}`).then(async (r) => ({ status: r.status, body: await r.text() })),
    2_000,
  );

it('closes a connection that sends nothing, before its first byte', async () => {
  const started = Date.now();
  const { closedAt } = await open();
  const elapsed = (await within(closedAt, 3_000)) - started;
  expect(elapsed).toBeGreaterThanOrEqual(LIMITS.idleMs - 50);
  expect(elapsed).toBeLessThan(LIMITS.idleMs + 1_000);
});

it('answers 408 to headers that trickle in past the header deadline, though never idle', async () => {
  const started = Date.now();
  const conn = await open();
  const line = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ';
  let i = 0;
  const timer = setInterval(() => conn.socket.write(i < line.length ? line[i++]! : 'a'), 200);
  try {
    const elapsed = (await within(conn.closedAt, 4_000)) - started;
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeLessThan(LIMITS.headersMs + 1_500);
  } finally {
    clearInterval(timer);
  }
});

it('closes a body that trickles past the request deadline, and a body that stalls', async () => {
  const trickle = await open();
  const started = Date.now();
  trickle.socket.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
  const timer = setInterval(() => trickle.socket.write('x'), 200);
  const stall = await open();
  stall.socket.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nxx');
  try {
    expect((await within(trickle.closedAt, 4_000)) - started).toBeLessThan(LIMITS.requestMs + 1_500);
    expect((await within(stall.closedAt, 3_000)) - started).toBeLessThan(LIMITS.idleMs + 1_000);
    expect(trickle.received()).not.toContain('got');
  } finally {
    clearInterval(timer);
  }
});

it('keeps a connection whose request is complete while the answer takes longer than the idle limit', async () => {
  const pending = fetch(`${listening.origin}/hold`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, LIMITS.idleMs * 2));
  held.shift()!();
  expect(await pending).toBe('released');
});

it('makes room past the connection cap by closing an idle socket, and serves the new request', async () => {
  const silent = await Promise.all(Array.from({ length: LIMITS.maxConnections + 5 }, () => open()));
  expect(await get('/')).toEqual({ status: 200, body: 'ok' });
  // The oldest silent sockets were the ones closed to make room.
  await within(Promise.all(silent.slice(0, 5).map((s) => s.closedAt)), 400);
  expect(silent.slice(-3).map((s) => s.closed())).toEqual([false, false, false]);
  for (const s of silent) s.socket.destroy();
});

it('leaves the reserved connections to priority requests: ordinary ones get 503 there, /healthz answers', async () => {
  const ordinary = LIMITS.maxConnections - LIMITS.reserved;
  const holds = Array.from({ length: ordinary }, () => fetch(`${listening.origin}/hold`).then((r) => r.text()));
  const deadline = Date.now() + 3_000;
  while (held.length < ordinary && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(held).toHaveLength(ordinary);
  expect((await get('/')).status).toBe(503);
  expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  for (const release of held.splice(0)) release();
  expect(await Promise.all(holds)).toEqual(Array(ordinary).fill('released'));
  expect((await get('/')).status).toBe(200);
});
