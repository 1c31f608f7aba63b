/** Fixtures for the profile, group, status and connection-event tests: more chips, raw HTTP, a sink for every event. */
import type { Simulator } from '../../src/simulator/simulator';
import { API_KEY, CHIP_A, CHIP_B, startSimulatorWithChips } from './fixtures';
import { startWebhookSink, type WebhookSink } from './webhook-sink';

export const CHIP_C = { instance: 'chip-c', phone: '5511990000003' };
export const CHIP_D = { instance: 'chip-d', phone: '5511990000004' };
export const FLEET = [CHIP_A, CHIP_B, CHIP_C, CHIP_D];
export const jid = (phone: string): string => `${phone}@s.whatsapp.net`;

/** Every event the simulator posts, so payload tests see them all. */
export const ALL_EVENTS = [
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'CONNECTION_UPDATE',
  'SEND_MESSAGE',
  'STATUS_INSTANCE',
  'LOGOUT_INSTANCE',
  'CALL',
  'GROUPS_UPSERT',
  'GROUP_PARTICIPANTS_UPDATE',
];

export interface PersonStack {
  sim: Simulator;
  sink: WebhookSink;
  close(): Promise<void>;
}

/** A simulator with chips A–D whose every webhook event lands in a recording sink. */
export async function startPersonStack(): Promise<PersonStack> {
  const sink = await startWebhookSink();
  const sim = await startSimulatorWithChips({ webhookUrl: sink.url, webhookEvents: ALL_EVENTS });
  sim.control.addInstance(CHIP_C.instance, CHIP_C.phone);
  sim.control.addInstance(CHIP_D.instance, CHIP_D.phone);
  return {
    sim,
    sink,
    close: async () => {
      await sim.close();
      await sink.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** One Evolution call over raw HTTP, e.g. rawCall(sim, 'POST', '/chat/updateProfileName/chip-a', { name }). */
export async function rawCall(sim: Simulator, method: string, path: string, body?: unknown, apikey = API_KEY): Promise<RawAnswer> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { apikey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const messageOf = (answer: RawAnswer): unknown => (answer.json.response as { message: unknown } | undefined)?.message;

/** The webhooks of one event the sink received, in order, as `{ instance, data }`. */
export function eventsOf(sink: WebhookSink, event: string): Array<{ instance: string; data: Record<string, unknown> }> {
  return sink.received
    .filter((r) => r.body.event === event)
    .map((r) => ({ instance: r.body.instance as string, data: r.body.data as Record<string, unknown> }));
}
