/**
 * DEV ONLY. The demo fleet of `npm run dev`: six chips with fixed fake numbers, so that a second run
 * finds the same chips (and their running workflows) and picks them up where they were.
 */
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db } from '../adapters/db/port';
import { startChipWarmup } from '../client/chips';
import { PAIRING } from '../domain/partners';
import { hashString } from '../domain/random';
import { workflowState } from '../client/fleet';
import type { WarmupSettings } from '../workflows/api';

export const DEMO_FLEET_ID = 'demo';

export const DEMO_CHIPS: readonly { phone: string; instanceName: string }[] = Array.from({ length: 6 }, (_, i) => ({
  phone: `551190000000${i + 1}`,
  instanceName: `demo-${i + 1}`,
}));

export interface DemoFleetOutcome {
  chips: ChipRecord[];
  registered: number;
  started: number;
}

/** Registers the demo chips that are missing and starts the workflows that do not exist yet. */
export async function ensureDemoFleet(
  client: Client,
  db: Db,
  opts: { settings: WarmupSettings; taskQueue: string },
): Promise<DemoFleetOutcome> {
  const chips: ChipRecord[] = [];
  let registered = 0;
  let started = 0;
  for (const demo of DEMO_CHIPS) {
    let chip = await db.findChipByInstance(demo.instanceName);
    if (!chip) {
      chip = await db.registerChip({ phone: demo.phone, instanceName: demo.instanceName, fleetId: DEMO_FLEET_ID });
      registered++;
      await db.ensurePairs({ chipId: chip.id, maxPartners: PAIRING.maxPartners, seed: hashString(chip.id) });
    }
    chips.push(chip);
    // A workflow that ran and ended (retired, banned, ready) is left as it is.
    if ((await workflowState(client, chip.id)).state === 'missing') {
      await startChipWarmup(client, {
        chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
        registeredAt: chip.createdAt,
        settings: opts.settings,
        taskQueue: opts.taskQueue,
        fleetId: chip.fleetId,
      });
      started++;
    }
  }
  return { chips, registered, started };
}
