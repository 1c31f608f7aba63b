/** Shared test fixtures for the messaging tests: a simulator with two chips, and a webhook receiver that records. */
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/simulator';
import type { ChipProviderEvent } from '../../src/webhooks/events';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';

export const API_KEY = 'test-global-key';
export const SECRET = 'test-webhook-secret-0123456789';
export const CHIP_A = { instance: 'chip-a', phone: '5511990000001', chipId: 'chip-id-a' };
export const CHIP_B = { instance: 'chip-b', phone: '5511990000002', chipId: 'chip-id-b' };
export const OUTSIDER_PHONE = '5511990009999';

export async function startSimulatorWithChips(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const simulator = await startSimulator({ apiKey: API_KEY, webhookRetryBaseDelayMs: 5, ...options });
  simulator.control.addInstance(CHIP_A.instance, CHIP_A.phone);
  simulator.control.addInstance(CHIP_B.instance, CHIP_B.phone);
  return simulator;
}

export interface RecordingReceiver extends WebhookReceiver {
  events: ChipProviderEvent[];
}

/** A real webhook receiver that knows CHIP_A and CHIP_B and records every event. */
export async function startRecordingReceiver(): Promise<RecordingReceiver> {
  const events: ChipProviderEvent[] = [];
  const chips = [CHIP_A, CHIP_B];
  const receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SECRET,
    resolveChip: async (instance) => {
      const chip = chips.find((c) => c.instance === instance);
      return chip ? { chipId: chip.chipId, phone: chip.phone } : null;
    },
    onEvent: async (event) => {
      events.push(event);
    },
  });
  return Object.assign(receiver, { events });
}
