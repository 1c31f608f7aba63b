/**
 * Warmer's own Prometheus counters, counted where the facts happen (activities, webhook receiver and
 * bridge), never in workflow code: a replayed workflow would count its past again. One registry per
 * process; /metrics serves it, followed by the Temporal SDK's runtime metrics when they are exposed.
 */
import { Counter, Registry } from 'prom-client';
import { scrubText } from '../domain/redact';

export const registry = new Registry();

export const metrics = {
  sends: new Counter({
    name: 'warmer_messages_sent_total',
    help: 'Warm-up messages handed to the provider (one per delivered turn; retries that found the turn sent are not counted).',
    registers: [registry],
  }),
  heartbeatingHolds: new Counter({
    name: 'warmer_heartbeating_holds_total',
    help: 'Turn holds (thinking, typing) long enough to heartbeat: each sends at least one billed heartbeat.',
    registers: [registry],
  }),
  deliveryFailures: new Counter({
    name: 'warmer_delivery_failures_total',
    help: 'Failed deliveries: source=send (the provider refused the send) or source=webhook (a messages.update ERROR).',
    labelNames: ['source'] as const,
    registers: [registry],
  }),
  conversations: new Counter({
    name: 'warmer_conversations_total',
    help: 'Conversations closed, by outcome (completed, aborted, failed, cut_short: stopped at the end of a window).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  promotions: new Counter({
    name: 'warmer_promotions_total',
    help: 'Phase promotions persisted, by the phase entered.',
    labelNames: ['to'] as const,
    registers: [registry],
  }),
  pauses: new Counter({
    name: 'warmer_pauses_total',
    help: 'Chips paused, by cause (operator, early_warning, fleet_breaker, provider).',
    labelNames: ['cause'] as const,
    registers: [registry],
  }),
  statusChanges: new Counter({
    name: 'warmer_status_changes_total',
    help: 'Chip status changes persisted, by the new status.',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  webhookEvents: new Counter({
    name: 'warmer_webhook_events_total',
    help: 'Provider webhooks, by event kind and outcome (handled, failed, unknown_instance, unauthorized, malformed, too_large).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  }),
  breakerTrips: new Counter({
    name: 'warmer_fleet_breaker_trips_total',
    help: 'Times the fleet breaker tripped and paused a fleet.',
    labelNames: ['fleet'] as const,
    registers: [registry],
  }),
  outboundEvents: new Counter({
    name: 'warmer_outbound_events_total',
    help: 'Outbound event POSTs to receivers (WARMER_EVENTS_URL), by event type and outcome (delivered, failed).',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  }),
};

/** Every counter at zero, so a scrape shows the series before the first event. */
for (const outcome of ['completed', 'aborted', 'failed', 'cut_short']) metrics.conversations.inc({ outcome }, 0);
for (const source of ['send', 'webhook']) metrics.deliveryFailures.inc({ source }, 0);

export type PauseCause = 'operator' | 'early_warning' | 'fleet_breaker' | 'provider' | 'reconnect';

/**
 * The cause of a pause from what the workflow persisted. The workflow may pass who paused (pausedBy);
 * otherwise the Portuguese reason texts it writes tell (fleet breaker, provider, early warning).
 */
export function pauseCause(reason: string | null | undefined, pausedBy?: string | null): PauseCause {
  const causes: readonly string[] = ['operator', 'early_warning', 'fleet_breaker', 'provider', 'reconnect'];
  if (pausedBy && causes.includes(pausedBy)) return pausedBy as PauseCause;
  const text = (reason ?? '').toLowerCase();
  if (text.includes('qr code')) return 'reconnect';
  if (text.includes('disjuntor')) return 'fleet_breaker';
  if (text.includes('desconectad') || text.includes('banid') || text.includes('banned')) return 'provider';
  if (text.includes('falhas de entrega') || text.includes('early warning')) return 'early_warning';
  return 'operator';
}

/**
 * Label values come from names an operator chose (a fleet id, a task queue): each is scrubbed like a
 * log line, so no phone number leaves through /metrics. Masked text holds no quote or backslash.
 */
export function scrubLabelValues(text: string): string {
  return text.replace(/="((?:[^"\\\n]|\\.)*)"/g, (_match, value: string) => `="${scrubText(value)}"`);
}

/** The Prometheus text of Warmer's counters, followed by `extra` (the SDK's runtime metrics). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await registry.metrics();
  if (!extra) return scrubLabelValues(own);
  let sdk: string;
  try {
    sdk = await extra();
  } catch (err) {
    sdk = `# Temporal SDK runtime metrics unavailable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
  }
  return scrubLabelValues(`${own}\n${sdk}`);
}

/** Reads the SDK's Prometheus exporter (Runtime.install telemetryOptions.metrics.prometheus). */
export function sdkMetricsReader(bindAddress: string, timeoutMs = 2_000): () => Promise<string> {
  const host = bindAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  return async () => {
    const res = await fetch(`http://${host}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`SDK exporter answered ${res.status}`);
    return res.text();
  };
}

export const METRICS_CONTENT_TYPE = registry.contentType;
