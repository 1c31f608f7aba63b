/**
 * The fleet breaker: when too many chips of one fleet are banned or disconnected within a window,
 * every warming chip of that fleet is paused. Its state is a row in the database (opened once,
 * closed by `warmer fleet resume`), which planConversation reads: a chip that missed its pause signal
 * still plans nothing. The pause signals are retried; a chip whose workflow ended is skipped.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Db } from '../adapters/db/port';
import type { Notifier } from '../adapters/notify/port';
import { chipWorkflowId } from '../domain/chip';
import { fleetBreakerTripped } from '../domain/early-warning';
import { pauseSignal } from '../workflows/api';

export const INCIDENT_KINDS = ['banned', 'disconnected'];

export interface FleetBreakerOptions {
  db: Db;
  client: Client;
  notifier: Notifier;
  breaker: { incidents: number; windowMs: number };
  log: (message: string, fields?: Record<string, unknown>) => void;
  /** Attempts per pause signal (default 4) and the first backoff (default 250 ms, doubling). */
  signalAttempts?: number;
  signalBackoffMs?: number;
}

/** Retries `fn` with doubling backoff; a workflow that is not running is not retried. */
export async function withRetries<T>(fn: () => Promise<T>, attempts: number, backoffMs: number): Promise<T> {
  let delay = backoffMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}

export function createFleetBreaker(options: FleetBreakerOptions) {
  const { db, client, notifier, breaker, log } = options;
  const attempts = options.signalAttempts ?? 4;
  const backoffMs = options.signalBackoffMs ?? 250;

  const pauseFleet = async (fleetId: string): Promise<{ paused: number; failed: number }> => {
    const warming = await db.listChips({ status: 'warming', fleetId });
    const outcomes = await Promise.all(
      warming.map(async (c) => {
        try {
          await withRetries(
            () =>
              client.workflow.getHandle(chipWorkflowId(c.id)).signal(pauseSignal, { reason: 'disjuntor da frota', by: 'fleet_breaker' }),
            attempts,
            backoffMs,
          );
          return 'paused';
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return 'ended';
          // The open breaker in the database still stops this chip's next plan.
          log('fleet breaker: pause signal not delivered', { chipId: c.id, error: err });
          return 'failed';
        }
      }),
    );
    return { paused: outcomes.filter((o) => o === 'paused').length, failed: outcomes.filter((o) => o === 'failed').length };
  };

  /** Counts the fleet's incidents after one on `chipId`; trips the breaker once when they reach the threshold. */
  return async function checkFleetBreaker(chipId: string, atMs: number): Promise<void> {
    const { fleetId } = await db.getChip(chipId);
    const since = new Date(atMs - breaker.windowMs).toISOString();
    const incidents = await db.countProviderEvents({ kinds: INCIDENT_KINDS, since, fleetId, distinctChips: true });
    if (!fleetBreakerTripped(incidents, breaker.incidents)) return;
    const message = `Frota '${fleetId}': ${incidents} chips banidos ou desconectados em 24h; todas as conversas de warm-up foram pausadas. Retome com 'warmer fleet resume' após investigar.`;
    // Open already: an operator resumes the fleet ('warmer fleet resume') before it can trip again.
    if (!(await db.tripFleetBreaker({ fleetId, reason: message, at: new Date(atMs).toISOString() }))) return;
    // The alert hangs on the chip that tripped it, which names the fleet.
    await db.openAlert({ chipId, severity: 'critical', kind: 'fleet_breaker', message, key: `fleet_breaker:${fleetId}:${atMs}` });
    await notifier
      .notify({ kind: 'alert', severity: 'critical', title: 'Disjuntor da frota acionado', message })
      .catch((err: unknown) => log('fleet breaker: notification failed', { error: err }));
    const { paused, failed } = await pauseFleet(fleetId);
    log('fleet breaker tripped', { fleetId, incidents, paused, failed });
  };
}
