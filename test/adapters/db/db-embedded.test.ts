import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createEmbeddedDb } from '../../../src/adapters/db/embedded';
import { createDb } from '../../../src/adapters/db';
import { aChip } from '../../helpers/db-fixtures';
import { describeDbContract } from './contract';

describeDbContract('embedded PGlite', async () => {
  const pglite = new PGlite();
  return {
    db: createEmbeddedDb({ pglite }),
    sql: async (text, params) => (await pglite.query<Record<string, unknown>>(text, params)).rows,
    close: () => pglite.close(),
  };
});

describe('embedded database on disk', () => {
  it('keeps its data and its applied migrations across restarts in the data directory', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'warmer-db-')), 'data');
    try {
      const first = createDb({ dataDir });
      expect((await first.migrate()).length).toBeGreaterThan(0);
      const chip = await aChip(first);
      await first.close();

      const second = createDb({ dataDir });
      expect(await second.migrate()).toEqual([]);
      expect(await second.getChip(chip.id)).toEqual(chip);
      await second.close();
    } finally {
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});
