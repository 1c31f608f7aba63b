/**
 * A console read made of several queries answers only once every query has finished, even when one
 * refuses: a query left running after the answer once deadlocked the next test's truncate.
 */
import { createRpcDb } from '../../../src/adapters/db/rpc-db';
import type { RpcTransport } from '../../../src/adapters/db/rpc-types';

describe('chipHistory over the SQL functions', () => {
  it('throws the first refusal only after its other reads have finished', async () => {
    const pending: Array<() => void> = [];
    const transport: RpcTransport = {
      rows: (fn) =>
        fn === 'warmup_console_chip_days'
          ? Promise.reject(new Error('chip not found'))
          : new Promise((resolve) => pending.push(() => resolve([]))),
      value: () => Promise.resolve(null),
      migrate: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const db = createRpcDb(transport);
    let settled = false;
    const answer = db.chipHistory({ chipId: 'c', dayMs: 86_400_000, conversations: 5 }).finally(() => {
      settled = true;
    });
    answer.catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(pending).toHaveLength(3);
    expect(settled).toBe(false);

    for (const finish of pending) finish();
    await expect(answer).rejects.toThrow('chip not found');
  });
});
