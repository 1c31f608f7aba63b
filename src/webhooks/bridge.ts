/**
 * Provider events -> database facts and chip workflow signals. Webhooks are facts to check, not
 * orders: each is recorded first and acted on only when it is new (a redelivery changes nothing); a
 * delivery failure counts only for a message this chip sent; a ban, logout, disconnection or
 * reconnection is confirmed with the provider's own connection state before the chip hears of it.
 * Only what changes a chip's course becomes a signal: messages between fleet chips are already
 * counted by their conversation, so they cost no extra Temporal action.
 *
 * Failures: when a signal cannot reach Temporal for any reason other than "this chip's workflow is
 * not running", the fact is forgotten again and the error propagates, so the receiver answers 5xx
 * and the provider retries.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../adapters/db/port';
import type { ConnectionState } from '../adapters/messaging/port';
import type { Notifier } from '../adapters/notify/port';
import { chipWorkflowId } from '../domain/chip';
import { classifyCode } from '../domain/disconnect-reasons';
import { onboardingWorkflowId } from '../domain/onboarding';
import { maskPhone } from '../domain/phone';
import { metrics } from '../observability/metrics';
import { providerEventSignal, type ProviderEventSignal } from '../workflows/api';
import { connectionHintSignal } from '../workflows/onboarding-api';
import type { ChipProviderEvent, ProviderEvent } from './events';
import { createFleetBreaker } from './fleet-breaker';

export interface BridgeOptions {
  db: Db;
  client: Client;
  notifier: Notifier;
  breaker: { incidents: number; windowMs: number };
  /** The provider's own view of an instance (Evolution's GET /instance/connectionState). */
  connectionState: (instance: string) => Promise<ConnectionState>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Contradicted reports of one chip within this window that raise a warning alert (default 2 in 24 h). */
  unconfirmedAlert?: { repeats: number; windowMs: number };
  /**
   * An unconfirmed report with neither a message id nor the provider's own time is one report per
   * chip, kind and window of this length (default 10 minutes): repeats within it are recorded but do
   * not act again.
   */
  unconfirmedWindowMs?: number;
  /** Calls from numbers outside the fleet within this window that make a warning sign (default 2 in 24 h). */
  repeatedCalls?: { repeats: number; windowMs: number };
  /** Attempts and first backoff of the fleet breaker's pause signals. */
  signalAttempts?: number;
  signalBackoffMs?: number;
}

/**
 * The signal as sent: always with a stable id per provider fact, so the chip workflow ignores one it
 * has already seen (a retry after a partial failure).
 */
export type ProviderEventSignalWithId = ProviderEventSignal & { eventId: string };

/** How long a claimed turn may await its confirmation (the longest gap to the next turn, with margin). */
const CONFIRMATION_PENDING_MS = 15 * 60_000;

/** The provider states that confirm a report (a dropped connection may already be reconnecting). */
const CONFIRMING_STATES: Partial<Record<ChipProviderEvent['kind'], readonly ConnectionState[]>> = {
  banned: ['close'],
  logged_out: ['close'],
  disconnected: ['close', 'connecting'],
  connected: ['open'],
  connecting: ['close', 'connecting'],
};

/** The key of a fact, stable across the provider's redeliveries of the same webhook. */
function factKey(event: ChipProviderEvent): string | undefined {
  if (event.messageId) return `${event.kind}:${event.messageId}`;
  if (event.providerTime) return `${event.kind}:${event.instance}:${event.statusReason ?? ''}:${event.providerTime}`;
  return undefined;
}

export const UNCONFIRMED_WINDOW_MS = 10 * 60_000;

/**
 * The identity of a report the provider's own state contradicted: its fact key, or, for a report that
 * carries neither a message id nor a provider time (a bare `connection.update close`), the chip, the
 * kind and the window it arrived in. A replayed body then maps to the key the first one recorded.
 */
export function unconfirmedKey(event: ChipProviderEvent, windowMs: number = UNCONFIRMED_WINDOW_MS): { key: string; windowed: boolean } {
  const key = factKey(event);
  if (key) return { key: `unconfirmed:${key}`, windowed: false };
  const atMs = Date.parse(event.at) || 0;
  return { key: `unconfirmed:${event.kind}:${event.chipId}:window-${Math.floor(atMs / windowMs)}`, windowed: true };
}

export function createProviderEventBridge(options: BridgeOptions) {
  const { db, client } = options;
  const log = options.log ?? ((message, fields) => console.log(`[webhook] ${message}`, fields ?? ''));
  const unconfirmedAlert = options.unconfirmedAlert ?? { repeats: 2, windowMs: 24 * 60 * 60 * 1000 };
  const repeatedCalls = options.repeatedCalls ?? { repeats: 2, windowMs: 24 * 60 * 60 * 1000 };
  const checkFleetBreaker = createFleetBreaker({
    db,
    client,
    notifier: options.notifier,
    breaker: options.breaker,
    log,
    signalAttempts: options.signalAttempts,
    signalBackoffMs: options.signalBackoffMs,
  });

  /** Signals the chip; false when its workflow is not running (its warm-up is over). Other failures throw. */
  const signal = async (chipId: string, event: ProviderEventSignalWithId): Promise<boolean> => {
    try {
      await client.workflow.getHandle(chipWorkflowId(chipId)).signal(providerEventSignal, event);
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        log('chip workflow not running; event recorded only', { chipId, kind: event.kind });
        return false;
      }
      throw err;
    }
  };

  /** Records the fact; when new, runs `act`. If `act` fails, the fact is forgotten so the retry acts. */
  const recordThen = async (
    event: ChipProviderEvent,
    kind: Parameters<Db['recordProviderEvent']>[0]['kind'],
    act: (eventId: string) => Promise<void>,
  ) => {
    const key = factKey(event);
    const isNew = await db.recordProviderEvent({ chipId: event.chipId, kind, detail: detailOf(event), at: event.at, key });
    if (!isNew) {
      log('provider event already recorded; nothing to do', { chipId: event.chipId, kind: event.kind });
      return;
    }
    try {
      await act(key ?? `${event.kind}:${event.chipId}:${event.at}`);
    } catch (err) {
      if (key) await db.forgetProviderEvent({ key }).catch(() => undefined);
      throw err;
    }
  };

  /**
   * A turn's provider message id is recorded by the next turn's claim (one database round trip per
   * message): a failure reported in between, for an id not recorded yet while one of the chip's
   * recent turns awaits its confirmation, is answered 5xx so that the provider reports it again later.
   */
  const retryIfConfirmationPending = async (chipId: string, atMs: number) => {
    const since = new Date(Math.min(atMs, Date.now()) - CONFIRMATION_PENDING_MS).toISOString();
    if (await db.unconfirmedTurnPending({ chipId, since })) {
      throw new Error(
        'delivery failure for a message id not recorded yet; a turn of this chip awaits its confirmation: report again later',
      );
    }
  };

  const unconfirmed = async (event: ChipProviderEvent, why: string) => {
    const { key, windowed } = unconfirmedKey(event, options.unconfirmedWindowMs);
    const detail = `${event.kind}: ${why}`;
    const isNew = await db.recordProviderEvent({ chipId: event.chipId, kind: 'unconfirmed', detail, at: event.at, key });
    if (!isNew) {
      // A redelivery of a report with its own id is the same fact; a bare report repeated within its
      // window may be a replay or a new report, so it is recorded (the operator's count) without acting.
      if (!windowed) return;
      await db.recordProviderEvent({
        chipId: event.chipId,
        kind: 'unconfirmed',
        detail: `${detail} (repeated; not acted on)`,
        at: event.at,
      });
      log('provider report not confirmed, repeated within its window; recorded only', { chipId: event.chipId, kind: event.kind, why });
    } else {
      log('provider report not confirmed; chip unchanged', { chipId: event.chipId, kind: event.kind, why });
    }
    const atMs = Date.parse(event.at) || Date.now();
    if (isNew && event.kind === 'banned') {
      // Not a ban, but a warning sign: the chip's cap backs off and it goes into quarantine (domain/ramp.ts).
      // The event id is the report's identity too, so the workflow's own de-duplication agrees.
      try {
        await signal(event.chipId, { kind: 'unconfirmed_ban', atMs, detail: why, eventId: key });
      } catch (err) {
        await db.forgetProviderEvent({ key }).catch(() => undefined);
        throw err;
      }
    }
    const since = new Date(atMs - unconfirmedAlert.windowMs).toISOString();
    const count = await db.countProviderEvents({ kinds: ['unconfirmed'], since, chipId: event.chipId });
    if (count < unconfirmedAlert.repeats) return;
    const day = event.at.slice(0, 10);
    const message = `O provedor relatou ${count} eventos contraditórios para este chip em 24h (último: ${event.kind}, ${why}). Nenhuma ação foi tomada; verifique a instância.`;
    await db.openAlert({
      chipId: event.chipId,
      severity: 'warning',
      kind: 'provider_unconfirmed',
      message,
      key: `provider_unconfirmed:${event.chipId}:${day}`,
    });
  };

  /**
   * A call is recorded (the instance's settings reject it). Calls between fleet chips are fine; calls
   * from numbers outside the fleet that repeat are a mild warning sign for the chip (its ramp).
   */
  const onCall = async (event: ChipProviderEvent, atMs: number) => {
    const fromFleet = event.fromPhone ? await db.findChipByPhone(event.fromPhone) : null;
    const caller = event.fromPhone ? maskPhone(event.fromPhone) : 'número oculto';
    const isNew = await db.recordProviderEvent({
      chipId: event.chipId,
      kind: fromFleet ? 'call_fleet' : 'call',
      detail: caller,
      at: event.at,
      key: factKey(event),
    });
    if (!isNew || fromFleet) return;
    const since = new Date(atMs - repeatedCalls.windowMs).toISOString();
    const count = await db.countProviderEvents({ kinds: ['call'], since, chipId: event.chipId });
    if (count < repeatedCalls.repeats) return;
    log('calls from outside the fleet repeat; a warning sign for the chip', { chipId: event.chipId, count });
    // One sign a day at most: the chip ignores an event id it has already seen.
    await signal(event.chipId, {
      kind: 'repeated_calls',
      atMs,
      detail: `${count} chamadas de fora da frota`,
      eventId: `repeated_calls:${event.chipId}:${event.at.slice(0, 10)}`,
    });
  };

  return async function onProviderEvent(event: ChipProviderEvent): Promise<void> {
    const atMs = Date.parse(event.at) || Date.now();
    switch (event.kind) {
      case 'delivered':
      case 'read':
        await db.recordProviderEvent({
          chipId: event.chipId,
          kind: event.kind,
          detail: detailOf(event),
          at: event.at,
          key: factKey(event),
        });
        return;
      case 'inbound': {
        // A fleet chip's message is already counted by its conversation.
        const fromFleet = event.fromPhone ? await db.findChipByPhone(event.fromPhone) : null;
        await recordThen(event, 'inbound', async (eventId) => {
          if (!fromFleet)
            await signal(event.chipId, {
              kind: 'inbound',
              atMs,
              detail: event.fromPhone ? maskPhone(event.fromPhone) : undefined,
              eventId,
            });
        });
        return;
      }
      case 'delivery_failed': {
        const sentByChip = event.messageId
          ? await db.sentMessageExists({ chipId: event.chipId, providerMessageId: event.messageId })
          : false;
        if (!sentByChip) {
          await retryIfConfirmationPending(event.chipId, atMs);
          return unconfirmed(event, 'message id not sent by this chip');
        }
        await recordThen(event, 'delivery_failed', async (eventId) => {
          metrics.deliveryFailures.inc({ source: 'webhook' });
          await signal(event.chipId, { kind: 'delivery_failed', atMs, eventId });
        });
        return;
      }
      case 'connecting': {
        // The provider reconnects by itself: a fact to keep; the chip holds only while it lasts.
        const state = await options.connectionState(event.instance);
        if (!CONFIRMING_STATES.connecting!.includes(state)) {
          await db.recordProviderEvent({
            chipId: event.chipId,
            kind: 'connection_lost',
            detail: `connecting (já ${state})`,
            at: event.at,
            key: factKey(event),
          });
          return;
        }
        await recordThen(event, 'connection_lost', async (eventId) => {
          await signal(event.chipId, { kind: 'disconnected', atMs, eventId });
        });
        return;
      }
      case 'call':
        return onCall(event, atMs);
      case 'banned':
      case 'logged_out':
      case 'disconnected':
      case 'connected': {
        // Throws when the provider cannot be asked: the receiver answers 5xx and the report comes again.
        const state = await options.connectionState(event.instance);
        if (!CONFIRMING_STATES[event.kind]?.includes(state)) return unconfirmed(event, `provider connectionState is ${state}`);
        // A drop the provider recovers from is kept apart: the fleet breaker counts sessions lost, not blips.
        const transient = event.kind === 'disconnected' && classifyCode(event.statusReason).class === 'transient';
        const kind = transient ? 'connection_lost' : event.kind === 'logged_out' ? 'disconnected' : event.kind;
        await recordThen(event, kind, async (eventId) => {
          await signal(event.chipId, {
            kind: event.kind as ProviderEventSignal['kind'],
            atMs,
            detail: event.statusReason?.toString(),
            eventId,
          });
          if (kind !== 'connected' && kind !== 'connection_lost') await checkFleetBreaker(event.chipId, atMs);
        });
        return;
      }
      default:
        return;
    }
  };
}

function detailOf(event: ChipProviderEvent): string {
  return event.statusReason !== undefined ? `statusReason=${event.statusReason}` : event.kind;
}

/** The receiver's instance -> chip lookup over the database. */
export function resolveChipByInstance(db: Db): (instance: string) => Promise<{ chipId: string; phone: string } | null> {
  return async (instance) => {
    const chip = await db.findChipByInstance(instance);
    return chip ? { chipId: chip.id, phone: chip.phone } : null;
  };
}

/**
 * Connection reports of an instance no chip has yet go to that instance's onboarding workflow, as a
 * hint: the workflow asks the provider itself before it acts. False when no onboarding runs for it
 * (the receiver then answers as for any unknown instance).
 */
export function createOnboardingForwarder(client: Client): (instance: string, events: ProviderEvent[]) => Promise<boolean> {
  return async (instance, events) => {
    const last = events.filter((e) => e.kind !== 'connecting' && CONFIRMING_STATES[e.kind] !== undefined).at(-1);
    if (!last) return false;
    try {
      await client.workflow.getHandle(onboardingWorkflowId(instance)).signal(connectionHintSignal, {
        state: last.kind === 'connected' ? 'open' : 'close',
        ...(last.statusReason !== undefined ? { statusReason: last.statusReason } : {}),
        atMs: Date.parse(last.at) || Date.now(),
      });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}
