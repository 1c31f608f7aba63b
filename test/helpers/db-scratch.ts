/**
 * A throwaway PostgreSQL database per test file: created on the server of DATABASE_URL (default:
 * the local trust-auth server) under a random name, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(baseUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: baseUrl });
  try {
    await client.connect();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Cannot reach PostgreSQL at ${baseUrl} (${reason}). Start it, or point DATABASE_URL at a server where this user may create databases.`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(
  baseUrl: string = process.env.DATABASE_URL || DEFAULT_TEST_DATABASE_URL,
): Promise<ScratchDatabase> {
  const name = `warmer_test_${randomBytes(6).toString('hex')}`;
  await admin(baseUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(baseUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
