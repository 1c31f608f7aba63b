/**
 * Outbound events (docs/operators.md, "Events"): the activities that record a fact also record its event in the
 * outbox, once per fact, and start its delivery workflow. Starting may fail (Temporal unreachable):
 * the fact's activity still succeeds and the sweep starts the delivery later. Receivers never hold a
 * chip up: delivery runs in a workflow of its own.
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { OutboundEventType, OutboxPort } from '../adapters/db/port';
import type { Resolver } from '../adapters/events/receiver-address';
import { createEventSender } from '../adapters/events/webhook-sender';
import type { ChipStatus } from '../domain/chip';
import { scrubText } from '../domain/redact';
import { metrics } from '../observability/metrics';
import type { PausedBy } from '../domain/chip-state';
import { EventNotFound } from '../domain/errors';
import type { Logger } from './deps';
import type { EventActivities, EventDeliveryInput } from './event-types';
import { toActivityFailure } from './failures';

export interface EventsDeps {
  /** WARMER_EVENTS_URL; when empty nothing is recorded by the activities and nothing is sent. */
  urls: string[];
  /** WARMER_EVENTS_SECRET, the HMAC key of the signature. */
  secret: string;
  /** Starts the event's delivery workflow (startEventDelivery in the worker). */
  startDelivery(input: EventDeliveryInput): Promise<unknown>;
  /** Per POST; default 10 s. */
  timeoutMs?: number;
  /** WARMER_EVENTS_ALLOW_PRIVATE: receivers on loopback, private or link-local addresses are allowed. */
  allowPrivate?: boolean;
  /** Host name resolution (tests); default the system's. */
  resolve?: Resolver;
}

/** How far back the sweep looks, and how old an event must be before the sweep takes it over. */
export const SWEEP_HORIZON_MS = 7 * 86_400_000;
export const SWEEP_GRACE_MS = 60_000;
/** A start that takes longer is left to the sweep: the chip's activity does not wait on Temporal's retries. */
export const START_TIMEOUT_MS = 5_000;

/** The event id of a fact key; the migration's warmup_event_id computes the same. */
export function eventIdOf(key: string): string {
  return `evt_${createHash('md5').update(key, 'utf8').digest('hex')}`;
}

/** The alerts whose insert records an event (migration *_outbound_events, trigger on warmup_alerts). */
export const ALERT_EVENT_KINDS: readonly string[] = ['chip_stalled', 'fleet_breaker'];
export const alertEventKey = (alertId: string) => `alert:${alertId}`;

/**
 * A key unique to this activity execution and stable across its retries and the workflow's replays:
 * the fact is "what this activity of this run recorded". Outside an activity (scripts), a fresh key.
 */
function activityKey(prefix: string): string {
  try {
    const info = Context.current().info;
    if (info.workflowExecution) return `${prefix}:${info.workflowExecution.workflowId}/${info.workflowExecution.runId}/${info.activityId}`;
  } catch {
    // not inside an activity
  }
  return `${prefix}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
}

/** The event a persisted status is, if any: ready comes with the promotion, retired has none. */
export function statusEventType(status: ChipStatus): OutboundEventType | null {
  switch (status) {
    case 'paused':
      return 'chip.paused';
    case 'warming':
      return 'chip.resumed'; // the workflow persists warming only when it leaves paused
    case 'banned':
      return 'chip.banned';
    default:
      return null;
  }
}

export type EventPublisher = ReturnType<typeof createEventPublisher>;

export function createEventPublisher(db: OutboxPort, deps: EventsDeps | undefined, log?: Logger) {
  const enabled = Boolean(deps && deps.urls.length > 0);
  const start = async (eventId: string): Promise<boolean> => {
    if (!deps || !enabled) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deps.startDelivery({ eventId, urls: deps.urls }),
        new Promise(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Error(`no answer from Temporal within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)),
        ),
      ]);
      return true;
    } catch (err) {
      log?.warn('event delivery not started; the sweep will start it', { eventId, error: err });
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  const publish = async (fact: {
    key: string;
    type: OutboundEventType;
    chipId: string | null;
    occurredAt: string;
    data: Record<string, unknown>;
  }) => {
    if (!enabled) return undefined;
    const event = await db.recordEvent(fact);
    if (!event.deliveredAt) await start(event.id);
    return event.id;
  };

  return {
    enabled,
    publish,
    promoted: async (input: { chipId: string; from: string; to: string; health: number; replyRate: number; atMs: number }) => {
      const occurredAt = new Date(input.atMs).toISOString();
      const data = { from: input.from, to: input.to, health: input.health, replyRate: input.replyRate };
      // A chip enters each phase once: the phase names the fact.
      await publish({
        key: `promoted:${input.chipId}:${input.from}:${input.to}`,
        type: 'chip.promoted',
        chipId: input.chipId,
        occurredAt,
        data,
      });
      if (input.to === 'operacao') {
        await publish({
          key: `ready:${input.chipId}`,
          type: 'chip.ready',
          chipId: input.chipId,
          occurredAt,
          data: { health: input.health, replyRate: input.replyRate },
        });
      }
    },
    status: async (input: { chipId: string; status: ChipStatus; reason?: string | null; pausedBy?: PausedBy | null }) => {
      const type = statusEventType(input.status);
      if (!type) return;
      const data =
        type === 'chip.resumed'
          ? {}
          : { reason: input.reason ?? null, ...(type === 'chip.paused' ? { pausedBy: input.pausedBy ?? null } : {}) };
      await publish({
        key: activityKey(`status:${input.chipId}:${input.status}`),
        type,
        chipId: input.chipId,
        occurredAt: new Date().toISOString(),
        data,
      });
      // The breaker's alert recorded its event when the bridge opened it; its pauses start the delivery.
      if (input.pausedBy === 'fleet_breaker') {
        for (const e of await db.pendingEvents({
          type: 'fleet.breaker',
          since: new Date(Date.now() - SWEEP_HORIZON_MS).toISOString(),
          limit: 20,
        }))
          await start(e.id);
      }
    },
    /** The chip entered quarantine (domain/quarantine.ts): one event per entry. */
    quarantined: async (input: { chipId: string; quarantineReason: string | null; capToday: number; phaseCap: number; atMs: number }) => {
      await publish({
        key: activityKey(`quarantined:${input.chipId}`),
        type: 'chip.quarantined',
        chipId: input.chipId,
        occurredAt: new Date(input.atMs).toISOString(),
        data: { reason: input.quarantineReason, capToday: input.capToday, phaseCap: input.phaseCap },
      });
    },
    /** The event the alert's insert recorded (chip.stalled, fleet.breaker): its delivery starts now. */
    alertOpened: async (alert: { id: string; kind: string }) => {
      if (ALERT_EVENT_KINDS.includes(alert.kind)) await start(eventIdOf(alertEventKey(alert.id)));
    },
    /** Starts the deliveries that never started or whose retries ran out (the daily summary calls it). */
    sweep: async (nowMs: number = Date.now()): Promise<{ pending: number; started: number }> => {
      if (!enabled) return { pending: 0, started: 0 };
      const pending = await db.pendingEvents({
        since: new Date(nowMs - SWEEP_HORIZON_MS).toISOString(),
        olderThan: new Date(nowMs - SWEEP_GRACE_MS).toISOString(),
        limit: 500,
      });
      let started = 0;
      for (const event of pending) if (await start(event.id)) started++;
      return { pending: pending.length, started };
    },
  };
}

export function createEventActivities(db: OutboxPort, deps: EventsDeps): EventActivities {
  const send = createEventSender({
    secret: deps.secret,
    timeoutMs: deps.timeoutMs,
    allowPrivate: deps.allowPrivate,
    resolve: deps.resolve,
  });
  return {
    async deliverEvent({ eventId, url }) {
      // Retried like any failure: the delivery resumes once the worker has its secret again.
      if (!deps.secret) throw new Error('WARMER_EVENTS_SECRET is not set: events are never sent unsigned.');
      const event = await db.getEvent(eventId);
      if (!event) throw toActivityFailure(new EventNotFound(`No event ${eventId} in the outbox (warmup_events).`));
      try {
        const answer = await send(url, event);
        metrics.outboundEvents.inc({ type: event.type, outcome: 'delivered' });
        return answer;
      } catch (err) {
        metrics.outboundEvents.inc({ type: event.type, outcome: 'failed' });
        // Visible to the operator in the outbox; failing to note it must not hide the delivery error.
        await db.recordEventAttempt({ eventId, error: scrubText((err as Error).message) }).catch(() => undefined);
        throw err;
      }
    },
    async markEventDelivered({ eventId }) {
      await db.markEventDelivered({ eventId, at: new Date().toISOString() });
    },
  };
}
