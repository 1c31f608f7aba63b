/**
 * The dev stack's database bridge serves the port as the drivers implement it: every method of a real
 * Db reaches the database through it (its list comes from the port, not from a copy), and a typed
 * refusal keeps its class on the other side.
 */
import { randomUUID } from 'node:crypto';
import { createEmbeddedDb } from '../../src/adapters/db/embedded';
import type { Db } from '../../src/adapters/db/port';
import { type DbBridge, remoteDb, serveDb } from '../../src/dev/db-bridge';
import { ChipNotFound } from '../../src/domain/errors';
import { aChip } from '../helpers/db-fixtures';

describe('the dev stack database bridge', () => {
  let db: Db;
  let bridge: DbBridge;
  let remote: Db;

  beforeAll(async () => {
    db = createEmbeddedDb();
    await db.migrate();
    bridge = await serveDb(db);
    remote = remoteDb({ dbUrl: bridge.url, token: bridge.token });
  });
  afterAll(async () => {
    await bridge?.close();
    await db?.close();
  });

  it('offers every method the drivers implement, and serves all but the lifecycle', async () => {
    expect(Object.keys(remote).sort()).toEqual(Object.keys(db).sort());
    const post = (method: string) =>
      fetch(`${bridge.url}/db/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-warmer-dev-token': bridge.token },
        body: '[]',
      });
    // A served method reaches the port (most refuse the missing arguments, which is an answer too).
    for (const method of Object.keys(db).filter((m) => m !== 'migrate' && m !== 'close')) {
      const response = await post(method);
      expect([method, response.status, typeof ((await response.json()) as { ok: unknown }).ok]).toEqual([method, 200, 'boolean']);
    }
    for (const method of ['migrate', 'close', 'partnerCandidates']) {
      expect([method, (await post(method)).status]).toEqual([method, 404]);
    }
  });

  it('round-trips records and keeps a typed refusal its class', async () => {
    const chip = await aChip(remote, { fleetId: 'bridge' });
    expect(await db.getChip(chip.id)).toEqual(chip);
    expect(await remote.listChips({ fleetId: 'bridge' })).toEqual([chip]);
    await expect(remote.getChip(randomUUID())).rejects.toBeInstanceOf(ChipNotFound);
    await expect(remote.migrate()).resolves.toEqual([]);
  });
});
