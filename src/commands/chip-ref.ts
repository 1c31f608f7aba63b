/** Finds a chip from what an operator types: its id, its instance name or its phone number. */
import type { ChipRecord, Db } from '../adapters/db/port';
import { ChipNotFound } from '../domain/errors';
import { isE164Digits, maskPhone } from '../domain/phone';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function resolveChip(db: Db, ref: string): Promise<ChipRecord> {
  const given = ref.trim();
  if (UUID.test(given)) {
    try {
      return await db.getChip(given.toLowerCase());
    } catch (err) {
      if ((err as { code?: string }).code !== 'ChipNotFound') throw err;
    }
  } else {
    const byInstance = await db.findChipByInstance(given);
    if (byInstance) return byInstance;
    const digits = given.replace(/^\+/, '').replace(/[\s().-]/g, '');
    if (isE164Digits(digits)) {
      const byPhone = await db.findChipByPhone(digits);
      if (byPhone) return byPhone;
    }
  }
  // A phone typed as the reference is echoed masked, like every phone that leaves the process.
  const shown = isE164Digits(given.replace(/^\+/, '').replace(/[\s().-]/g, '')) ? maskPhone(given) : given;
  throw new ChipNotFound(`No chip '${shown}' is registered (give its id, instance name or phone). List the fleet with 'warmer fleet'.`);
}
