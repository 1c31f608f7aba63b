import { Pool } from 'pg';
import { findMigrationsDir, loadMigrations } from '../../../src/adapters/db/migrate';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { createScratchDatabase } from '../../helpers/db-scratch';
import { describeConnectionFactsContract } from './connection-facts-contract';
import { describeConsoleReadsContract } from './console-contract';
import { describeDbContract } from './contract';
import { describeEventsContract } from './events-contract';
import { describeGroupsContract } from './groups-contract';
import { describeStandingContract } from './standing-contract';

/** A contract's harness on its own scratch database (DATABASE_URL names the server; default: local trust auth). */
async function scratchHarness() {
  const scratch = await createScratchDatabase();
  const db = createPostgresDb({ databaseUrl: scratch.url });
  const pool = new Pool({ connectionString: scratch.url, max: 2 });
  // The scratch database is dropped with force at the end: a connection it ends must not crash the run.
  pool.on('error', () => undefined);
  return {
    db,
    sql: async (text: string, params?: unknown[]) => (await pool.query(text, params)).rows,
    close: async () => {
      await db.close();
      await pool.end();
      await scratch.drop();
    },
  };
}

describeDbContract('PostgreSQL', scratchHarness);

describeConsoleReadsContract('PostgreSQL', scratchHarness);

describeEventsContract('PostgreSQL', scratchHarness);

describeStandingContract('PostgreSQL', scratchHarness);

// Closed groups of the fleet (migration *_fleet_groups).
describeGroupsContract('PostgreSQL', scratchHarness);
describeConnectionFactsContract('PostgreSQL', scratchHarness);

describe('migrations on PostgreSQL', () => {
  it('apply each file exactly once when several workers start at the same time', async () => {
    const scratch = await createScratchDatabase();
    const workers = [0, 1, 2].map(() => createPostgresDb({ databaseUrl: scratch.url }));
    try {
      const applied = await Promise.all(workers.map((w) => w.migrate()));
      expect(applied.flat().sort()).toEqual(loadMigrations(findMigrationsDir()).map((m) => m.name));
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await scratch.drop();
    }
  });
});
