/** The profile checklist's SQL contract on both drivers the tests can run: PostgreSQL and the embedded database. */
import { Pool } from 'pg';
import { createEmbeddedDb, openEmbeddedSql } from '../../../src/adapters/db/embedded';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { createScratchDatabase } from '../../helpers/db-scratch';
import { describeProfileChecklistContract } from './profile-checklist-contract';

describeProfileChecklistContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describeProfileChecklistContract('PostgreSQL', async () => {
  const scratch = await createScratchDatabase();
  const db = createPostgresDb({ databaseUrl: scratch.url });
  const pool = new Pool({ connectionString: scratch.url, max: 2 });
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
});
