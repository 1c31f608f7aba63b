/**
 * DEV ONLY. The demo fleet of `npm run dev`: six chips with fixed fake numbers, so that a second run
 * finds the same chips (and their running workflows) and picks them up where they were. The first
 * run onboards them the way an operator's numbers are: an OnboardingWorkflow each, whose QR code the
 * simulator "scans" for the fake phone.
 */
import type { Client } from '@temporalio/client';
import QRCode from 'qrcode';
import type { ChipRecord, Db } from '../adapters/db/port';
import { startChipWarmup } from '../client/chips';
import { followOnboarding, onboardingInput, startOnboarding } from '../client/onboarding';
import type { OnboardingSettings, OnboardingView } from '../domain/onboarding';
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
  /** Registered now through an onboarding (a QR code shown and scanned). */
  onboarded: number;
}

/** How the dev stack stands in for the phones: the simulator's scan. */
export interface DemoOnboarding {
  settings: OnboardingSettings;
  scan(instance: string, phone: string): void;
  /** Hears the first demo chip's code before it is scanned (the banner shows it). */
  showCode?(view: OnboardingView): Promise<void> | void;
}

/** Registers the demo chips that are missing and starts the workflows that do not exist yet. */
export async function ensureDemoFleet(
  client: Client,
  db: Db,
  opts: { settings: WarmupSettings; taskQueue: string; onboarding?: DemoOnboarding },
): Promise<DemoFleetOutcome> {
  const chips: ChipRecord[] = [];
  let registered = 0;
  let started = 0;
  let onboarded = 0;
  const onboarding = opts.onboarding;
  if (onboarding) {
    const missing = [];
    for (const demo of DEMO_CHIPS) if (!(await db.findChipByInstance(demo.instanceName))) missing.push(demo);
    // One at a time would be as real; together is quicker, and the first one's code is shown.
    await Promise.all(missing.map((demo, i) => onboardDemoChip(client, opts.taskQueue, onboarding, demo, i === 0)));
    onboarded = missing.length;
    registered += missing.length;
    started += missing.length;
  }
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
  return { chips, registered, started, onboarded };
}

/** Starts the chip's onboarding, scans its first code with the fake phone, and waits until it is warming. */
async function onboardDemoChip(
  client: Client,
  taskQueue: string,
  onboarding: DemoOnboarding,
  demo: { phone: string; instanceName: string },
  showIt: boolean,
): Promise<void> {
  const input = onboardingInput(
    { phone: demo.phone, instance: demo.instanceName, fleet: DEMO_FLEET_ID, requestedBy: 'npm run dev' },
    onboarding.settings,
  );
  const { handle } = await startOnboarding(client, input, taskQueue);
  let scanned = false;
  await followOnboarding(handle, {
    pollMs: 250,
    onView: async (view) => {
      if (scanned || view.step !== 'waiting_for_connection' || !view.code) return;
      scanned = true;
      if (showIt) await onboarding.showCode?.(view);
      onboarding.scan(demo.instanceName, demo.phone);
    },
  });
}

/** The banner's picture of onboarding: the first demo chip's QR code, about to be "scanned". */
export async function printDemoCode(view: OnboardingView, print: (text: string) => void): Promise<void> {
  if (!view.code) return;
  const qr =
    view.code.kind === 'qr'
      ? await QRCode.toString(view.code.value, { type: 'terminal', small: true })
      : `pairing code ${view.code.value}\n`;
  print(
    `[dev] onboarding ${view.instanceName} (${view.phone}): code #${view.code.count} below; a real phone would scan it, ` +
      `here the simulator scans it for the demo number.\n${qr}[dev] ${view.instanceName}: scanned by the simulator`,
  );
}
