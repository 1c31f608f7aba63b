/**
 * The chip's wait while paused. A chip held for a lost connection the provider should recover from
 * (or one of unknown cause) asks the provider again now and then: an open connection resumes it even
 * if the report of it was lost, and a drop that lasts is told to the operator once. Any other pause
 * waits for a signal with no timer at all.
 */
import { condition, log } from '@temporalio/workflow';
import type { ChipRef } from '../activities/types';
import { type ChipEffect, type ChipMachine } from '../domain/chip-machine';
import { CONNECTION_ALERT_AFTER_DEFAULT_MS, type CheckedState } from '../domain/chip-connection-rules';
import { outward } from './chip-activities';

export async function waitWhilePaused(
  machine: ChipMachine,
  chip: ChipRef,
  alertAfterMs: number | undefined,
  done: () => boolean,
  perform: (effects: ChipEffect[]) => Promise<void>,
): Promise<void> {
  // Set only once the loop held the chip under patch classified-disconnects: older histories wait as before.
  const recheckAt = machine.connectionRecheckAt(alertAfterMs ?? CONNECTION_ALERT_AFTER_DEFAULT_MS);
  if (recheckAt === null) {
    await condition(done);
    return;
  }
  if (await condition(done, Math.max(1, recheckAt - Date.now()), { summary: 'connection lost: wait, then ask the provider' })) return;
  let state: CheckedState;
  try {
    state = await outward.checkConnection.executeWithOptions({ summary: 'is the connection open again?' }, [
      { chipId: chip.chipId, instance: chip.instanceName },
    ]);
  } catch (err) {
    log.warn('could not ask the provider for the connection state', { chipId: chip.chipId, error: String(err) });
    state = 'unreachable';
  }
  await perform(machine.connectionChecked(state, Date.now()));
}
