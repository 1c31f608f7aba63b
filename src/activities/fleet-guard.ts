import type { ChipsPort } from '../adapters/db/port';
import { OutsideFleet } from '../domain/errors';
import type { ChipRef } from './types';

/**
 * Guardrail: warm-up messages only go between chips registered in the same fleet. Checked before any
 * HTTP call. Chips never change fleet or phone, so a positive answer is cached for the process.
 */
export function createFleetGuard(db: ChipsPort) {
  const known = new Map<string, { phone: string; fleetId: string }>();
  const lookup = async (chipId: string) => {
    const cached = known.get(chipId);
    if (cached) return cached;
    const chip = await db.getChip(chipId).catch(() => null);
    if (!chip) return null;
    const entry = { phone: chip.phone, fleetId: chip.fleetId };
    known.set(chipId, entry);
    return entry;
  };
  return {
    async assertSameFleet(sender: ChipRef, receiver: ChipRef): Promise<void> {
      const [from, to] = await Promise.all([lookup(sender.chipId), lookup(receiver.chipId)]);
      if (!from || !to || to.phone !== receiver.phone || from.phone !== sender.phone || from.fleetId !== to.fleetId) {
        throw new OutsideFleet(
          `Refused: warm-up messages only go between chips of the same fleet; the destination ending ${receiver.phone.slice(-4)} is not a registered chip of the sender's fleet.`,
        );
      }
    },
  };
}
