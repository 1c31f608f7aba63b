import { Pool } from 'pg';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { createScratchDatabase } from '../../helpers/db-scratch';
import { describeDbContract } from './contract';

// DATABASE_URL names the server (default: local trust auth); each run works in its own scratch database.
describeDbContract('PostgreSQL', async () => {
  const scratch = await createScratchDatabase();
  const db = createPostgresDb({ databaseUrl: scratch.url });
  const pool = new Pool({ connectionString: scratch.url, max: 2 });
  return {
    db,
    sql: async (text, params) => (await pool.query(text, params)).rows,
    close: async () => {
      await db.close();
      await pool.end();
      await scratch.drop();
    },
  };
});
