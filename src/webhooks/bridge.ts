/**
 * Provider events -> database facts and chip workflow signals, plus the fleet breaker. Only what
 * changes a chip's course becomes a signal: messages between fleet chips are already counted by
 * their conversation, so they cost no extra Temporal action.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../adapters/db/port';
import type { Notifier } from '../adapters/notify/port';
import { chipWorkflowId } from '../domain/chip';
import { fleetBreakerTripped } from '../domain/early-warning';
import { maskPhone } from '../domain/phone';
import { metrics } from '../observability/metrics';
import { pauseSignal, providerEventSignal, type ProviderEventSignal } from '../workflows/api';
import type { ChipProviderEvent } from './events';

export interface BridgeOptions {
  db: Db;
  client: Client;
  notifier: Notifier;
  breaker: { incidents: number; windowMs: number };
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const INCIDENT_KINDS = ['banned', 'disconnected'];

export function createProviderEventBridge(options: BridgeOptions) {
  const { db, client, notifier, breaker } = options;
  const log = options.log ?? ((message, fields) => console.log(`[webhook] ${message}`, fields ?? ''));

  const signal = async (chipId: string, event: ProviderEventSignal) => {
    try {
      await client.workflow.getHandle(chipWorkflowId(chipId)).signal(providerEventSignal, event);
    } catch (err) {
      // A chip whose warm-up is over has nothing to learn from the provider.
      log('chip workflow not running; event recorded only', { chipId, kind: event.kind, error: String((err as Error).message) });
    }
  };

  const checkFleetBreaker = async (chipId: string, atMs: number) => {
    const chip = await db.getChip(chipId);
    const fleetId = chip.fleetId;
    const since = new Date(atMs - breaker.windowMs).toISOString();
    const incidents = await db.countProviderEvents({ kinds: INCIDENT_KINDS, since, fleetId, distinctChips: true });
    if (!fleetBreakerTripped(incidents, breaker.incidents)) return;
    // The alert hangs on the chip that tripped it, which names the fleet. Open already: an operator
    // resumes the fleet ('warmer fleet resume') before it can trip again.
    for (const alert of await db.listAlerts({ open: true })) {
      if (alert.kind === 'fleet_breaker' && alert.chipId && (await db.getChip(alert.chipId)).fleetId === fleetId) return;
    }
    const message = `Frota '${fleetId}': ${incidents} chips banidos ou desconectados em 24h; todas as conversas de warm-up foram pausadas. Retome com 'warmer fleet resume' após investigar.`;
    await db.openAlert({ chipId, severity: 'critical', kind: 'fleet_breaker', message, key: `fleet_breaker:${fleetId}:${atMs}` });
    metrics.breakerTrips.inc({ fleet: fleetId });
    await notifier.notify({ kind: 'alert', severity: 'critical', title: 'Disjuntor da frota acionado', message });
    const warming = await db.listChips({ status: 'warming', fleetId });
    await Promise.all(
      warming.map((c) =>
        client.workflow
          .getHandle(chipWorkflowId(c.id))
          .signal(pauseSignal, { reason: 'disjuntor da frota', by: 'fleet_breaker' })
          .catch(() => undefined),
      ),
    );
    log('fleet breaker tripped', { fleetId, incidents, paused: warming.length });
  };

  return async function onProviderEvent(event: ChipProviderEvent): Promise<void> {
    const atMs = Date.parse(event.at) || Date.now();
    const kind = event.kind === 'logged_out' ? 'disconnected' : event.kind;
    await db.recordProviderEvent({
      chipId: event.chipId,
      kind,
      detail: event.statusReason !== undefined ? `statusReason=${event.statusReason}` : event.kind,
      at: event.at,
      // The provider retries deliveries: one fact per message and kind.
      key: event.messageId ? `${event.kind}:${event.messageId}` : undefined,
    });
    switch (event.kind) {
      case 'inbound': {
        const fromFleet = event.fromPhone ? await db.findChipByPhone(event.fromPhone) : null;
        if (!fromFleet) await signal(event.chipId, { kind: 'inbound', atMs, detail: event.fromPhone ? maskPhone(event.fromPhone) : undefined });
        return;
      }
      case 'delivery_failed':
        metrics.deliveryFailures.inc({ source: 'webhook' });
        await signal(event.chipId, { kind: event.kind, atMs });
        return;
      case 'connected':
        await signal(event.chipId, { kind: event.kind, atMs });
        return;
      case 'disconnected':
      case 'logged_out':
      case 'banned':
        await signal(event.chipId, { kind: event.kind, atMs, detail: event.statusReason?.toString() });
        await checkFleetBreaker(event.chipId, atMs);
        return;
      default:
        return; // delivered / read: metrics only
    }
  };
}

/** The receiver's instance -> chip lookup over the database. */
export function resolveChipByInstance(db: Db): (instance: string) => Promise<{ chipId: string; phone: string } | null> {
  return async (instance) => {
    const chip = await db.findChipByInstance(instance);
    return chip ? { chipId: chip.id, phone: chip.phone } : null;
  };
}
