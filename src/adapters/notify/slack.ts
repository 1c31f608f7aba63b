import { IncomingWebhook, type FetchFunction } from '@slack/webhook';
import { ConfigError } from '../../domain/errors';
import { toSlackMessage } from './messages';
import type { Notification, Notifier } from './port';

export interface SlackNotifierOptions {
  webhookUrl: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Extra attempts after the first, for timeouts, network errors and 5xx (the library's policy). */
  retries?: number;
  /** First backoff; doubles on each retry. */
  retryDelayMs?: number;
  log?: (line: string) => void;
}

export const SLACK_DEFAULTS = { timeoutMs: 5_000, retries: 2, retryDelayMs: 500 } as const;

/**
 * Slack through an Incoming Webhook. @slack/webhook times each attempt out and retries timeouts,
 * network errors and 5xx with exponential backoff (4xx, 429 included, fail at once). notify()
 * never throws: a Slack outage costs at most (retries + 1) attempts of timeoutMs plus the backoff,
 * then it logs and returns, so a chip's workflow is never blocked or failed by Slack.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const { webhookUrl } = options;
  try {
    new URL(webhookUrl);
  } catch {
    throw new ConfigError(
      'SLACK_WEBHOOK_URL is not a valid URL: expected https://hooks.slack.com/services/..., or leave it unset to log notifications.',
    );
  }
  const timeout = options.timeoutMs ?? SLACK_DEFAULTS.timeoutMs;
  const retries = Math.max(0, options.retries ?? SLACK_DEFAULTS.retries);
  const minTimeout = options.retryDelayMs ?? SLACK_DEFAULTS.retryDelayMs;
  const retryConfig = { retries, factor: 2, minTimeout, maxTimeout: minTimeout * 2 ** retries, randomize: false };
  const log = options.log ?? ((line: string) => console.warn(line));

  // The webhook URL is a secret: keep it out of anything we log.
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).split(webhookUrl).join('<webhook>');

  return {
    async notify(notification: Notification): Promise<void> {
      let attempts = 0;
      // One client per notification, so its attempt count is this notification's alone.
      const counted: FetchFunction = (url, init) => {
        attempts += 1;
        // Whatever the library asks: the webhook URL is a secret and a redirect could take the post anywhere.
        return fetch(url, { ...init, redirect: 'error' });
      };
      try {
        await new IncomingWebhook(webhookUrl, { timeout, retryConfig, fetch: counted }).send(toSlackMessage(notification));
      } catch (err) {
        log(`[slack] gave up on a '${notification.kind}' notification after ${attempts} attempt(s): ${describe(err)}`);
      }
    },
  };
}
