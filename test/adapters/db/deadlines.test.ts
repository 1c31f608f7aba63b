/** Every database call has a deadline: a server that accepts and never answers fails the call quickly (retryably). */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { createSupabaseDb } from '../../../src/adapters/db/supabase';
import { isWarmerError } from '../../../src/domain/errors';

const sockets = new Set<Socket>();
let silent: Server;
let port: number;

beforeAll(async () => {
  // Accepts connections and never says a word.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

async function failsWithin(ms: number, call: () => Promise<unknown>): Promise<unknown> {
  const started = Date.now();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  expect(Date.now() - started).toBeLessThan(ms);
  return err;
}

test('PostgreSQL: a server that never completes the connection fails the call after the connect timeout', async () => {
  const db = createPostgresDb({ databaseUrl: `postgres://warmer@127.0.0.1:${port}/none?sslmode=disable`, timeouts: { connectMs: 300 } });
  try {
    const err = await failsWithin(2_000, () => db.getChip('00000000-0000-0000-0000-000000000000'));
    // Not a typed refusal: an activity retries it.
    expect(isWarmerError(err)).toBe(false);
  } finally {
    await db.close();
  }
});

test('Supabase: a PostgREST that never answers fails the call after the request timeout', async () => {
  const hanging = createHttpServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    const db = createSupabaseDb({ url, serviceRoleKey: 'service-role-key', requestTimeoutMs: 300 });
    const err = await failsWithin(2_000, () => db.getChip('00000000-0000-0000-0000-000000000000'));
    expect(isWarmerError(err)).toBe(false);
  } finally {
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  }
});
