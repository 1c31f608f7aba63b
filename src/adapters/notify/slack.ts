import { IncomingWebhook, type IncomingWebhookDefaultArguments } from '@slack/webhook';
import { ConfigError } from '../../domain/errors';
import { toSlackMessage } from './messages';
import type { Notification, Notifier } from './port';

export interface SlackNotifierOptions {
  webhookUrl: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first, for timeouts, network errors, 429 and 5xx. */
  retries?: number;
  /** First backoff; doubles on each retry. */
  retryDelayMs?: number;
  log?: (line: string) => void;
}

export const SLACK_DEFAULTS = { timeoutMs: 5_000, retries: 2, retryDelayMs: 500 } as const;

/** Extra time given to axios' own timeout before our timer declares the attempt lost. */
const TIMER_GRACE_MS = 250;

class AttemptTimeout extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function race<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { original?: { response?: { status?: unknown } } })?.original?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** 4xx other than 429 means a bad URL or payload: retrying cannot heal it. */
function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Slack through an Incoming Webhook. notify() never throws: a Slack outage costs at most
 * (retries + 1) attempts of timeoutMs plus the backoff, then it logs and returns, so a chip's
 * workflow is never blocked or failed by Slack.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { webhookUrl } = options;
  try {
    new URL(webhookUrl);
  } catch {
    throw new ConfigError('SLACK_WEBHOOK_URL is not a valid URL: expected https://hooks.slack.com/services/..., or leave it unset to log notifications.');
  }
  const timeoutMs = options.timeoutMs ?? SLACK_DEFAULTS.timeoutMs;
  const retries = Math.max(0, options.retries ?? SLACK_DEFAULTS.retries);
  const retryDelayMs = options.retryDelayMs ?? SLACK_DEFAULTS.retryDelayMs;
  const log = options.log ?? ((line: string) => console.warn(line));
  const defaults: IncomingWebhookDefaultArguments = { timeout: timeoutMs };
  const webhook = new IncomingWebhook(webhookUrl, defaults);
  // @slack/webhook 7 copies its defaults into every payload, so `timeout` would be posted to Slack.
  // The axios client has already taken it; drop it from the shared object (the library does the
  // same with `agent`). If a later version copies the object instead, only an extra field leaks.
  delete defaults.timeout;

  // The webhook URL is a secret: keep it out of anything we log.
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).split(webhookUrl).join('<webhook>');

  return {
    async notify(notification: Notification): Promise<void> {
      let attempts = 0;
      try {
        const message = toSlackMessage(notification);
        for (;;) {
          attempts += 1;
          try {
            await race(webhook.send(message), timeoutMs + TIMER_GRACE_MS);
            return;
          } catch (err) {
            if (attempts > retries || !isRetryable(err)) throw err;
            await sleep(retryDelayMs * 2 ** (attempts - 1));
          }
        }
      } catch (err) {
        log(`[slack] gave up on a '${notification.kind}' notification after ${attempts} attempt(s): ${describe(err)}`);
      }
    },
  };
}
