/**
 * TEST / DEMO ONLY. Posts the simulator's webhooks the way Evolution does: JSON POST with the
 * configured headers, retried with backoff except on 400/401/403/404/422. Deliveries to one URL go
 * out one at a time, in order. Nothing here may throw into the simulator: a dead or hostile
 * receiver only shows up in `attempts()`.
 */

export interface WebhookTarget {
  url: string;
  headers: Record<string, string>;
}

/** What Evolution posts: `{ event, instance, data, destination, date_time, sender, server_url, apikey }`. */
export interface WebhookPayload {
  event: string;
  instance: string;
  [field: string]: unknown;
}

export interface WebhookAttempt {
  event: string;
  instance: string;
  url: string;
  attempt: number;
  /** HTTP status when the receiver answered. */
  status?: number;
  error?: string;
  at: number;
}

export interface WebhookDispatcherOptions {
  /** Extra attempts after the first. Default 3 (Evolution does 10; tests want it short). */
  retries?: number;
  retryBaseDelayMs?: number;
  timeoutMs?: number;
}

const NO_RETRY = new Set([400, 401, 403, 404, 422]);

export class WebhookDispatcher {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly log: WebhookAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions = {}) {}

  post(target: WebhookTarget, payload: WebhookPayload): void {
    if (this.closed) return;
    this.inFlight += 1;
    const previous = this.queues.get(target.url) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(target, payload))
      .catch(() => undefined) // belt and braces: deliver() already swallows everything
      .finally(() => {
        this.inFlight -= 1;
        if (this.queues.get(target.url) === next) this.queues.delete(target.url);
        if (this.inFlight === 0) this.wakeIdle();
      });
    this.queues.set(target.url, next);
  }

  /** Resolves once every queued webhook has been delivered or given up on. */
  idle(): Promise<void> {
    if (this.inFlight === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  attempts(): WebhookAttempt[] {
    return [...this.log];
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.controllers) controller.abort();
    this.wakeIdle();
  }

  private async deliver(target: WebhookTarget, payload: WebhookPayload): Promise<void> {
    const retries = this.options.retries ?? 3;
    const base = this.options.retryBaseDelayMs ?? 100;
    let body: string;
    try {
      body = JSON.stringify(payload);
    } catch {
      return;
    }
    for (let attempt = 1; attempt <= retries + 1 && !this.closed; attempt++) {
      const record: WebhookAttempt = { event: payload.event, instance: payload.instance, url: target.url, attempt, at: Date.now() };
      const status = await this.attemptOnce(target, body, record);
      this.log.push(record);
      // Bounded so a long demo run does not grow without end.
      if (this.log.length > 11_000) this.log.splice(0, this.log.length - 10_000);
      if (status !== undefined && (status < 300 || NO_RETRY.has(status))) return;
      if (attempt <= retries) await this.sleep(base * 2 ** (attempt - 1));
    }
  }

  private async attemptOnce(target: WebhookTarget, body: string, record: WebhookAttempt): Promise<number | undefined> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 5000);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body,
        signal: controller.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      record.status = res.status;
      return res.status;
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
      return undefined;
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
