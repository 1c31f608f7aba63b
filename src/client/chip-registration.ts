/**
 * Registering a chip and starting its warm-up, safe to repeat: a retried activity or a second
 * onboarding of the same number finds the chip it registered and the workflow it started, instead of
 * failing on them. A number registered with another instance or fleet is still refused (DuplicateChip).
 */
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db } from '../adapters/db/port';
import { chipWorkflowId } from '../domain/chip';
import { PAIRING } from '../domain/partners';
import { hashString } from '../domain/random';
import type { OnboardingDeps } from '../activities/onboarding';
import type { WarmupSettings } from '../workflows/api';
import { startChipWarmup } from './chips';

/** The database calls registration needs. */
export type RegistrationDb = Pick<Db, 'registerChip' | 'findChipByPhone' | 'ensurePairs'>;

export interface Registration {
  chip: ChipRecord;
  workflowId: string;
  registeredNow: boolean;
  startedNow: boolean;
}

const codeOf = (err: unknown) => (err as { code?: unknown })?.code;

export async function registerAndStartChip(
  deps: { db: RegistrationDb; client: Client; taskQueue: string; settings: WarmupSettings },
  input: { phone: string; instanceName: string; fleetId: string },
): Promise<Registration> {
  const { db } = deps;
  let chip: ChipRecord;
  let registeredNow = true;
  try {
    chip = await db.registerChip(input);
  } catch (err) {
    if (codeOf(err) !== 'DuplicateChip') throw err;
    const existing = await db.findChipByPhone(input.phone);
    if (!existing || existing.instanceName !== input.instanceName || existing.fleetId !== input.fleetId) throw err;
    chip = existing;
    registeredNow = false;
  }
  // A new chip gets partners of its own at once (and is offered as one to chips short of theirs).
  await db.ensurePairs({ chipId: chip.id, maxPartners: PAIRING.maxPartners, seed: hashString(chip.id) });
  let startedNow = true;
  try {
    await startChipWarmup(deps.client, {
      chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
      registeredAt: chip.createdAt,
      settings: deps.settings,
      taskQueue: deps.taskQueue,
      fleetId: chip.fleetId,
    });
  } catch (err) {
    if (codeOf(err) !== 'DuplicateChip') throw err;
    startedNow = false;
  }
  return { chip, workflowId: chipWorkflowId(chip.id), registeredNow, startedNow };
}

/** The onboarding activities' registration step over this client (what the worker wires in). */
export function onboardingRegistrar(deps: {
  db: RegistrationDb;
  client: Client;
  taskQueue: string;
  settings: WarmupSettings;
}): OnboardingDeps['registerChip'] {
  return async (input) => {
    const done = await registerAndStartChip(deps, input);
    return { chipId: done.chip.id, chipWorkflowId: done.workflowId, registeredNow: done.registeredNow, startedNow: done.startedNow };
  };
}
