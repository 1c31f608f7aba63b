import { createConsoleNotifier } from './console';
import { createSlackNotifier, type SlackNotifierOptions } from './slack';
import type { Notifier } from './port';

export type { Notification, Notifier } from './port';
export { toSlackMessage, scrubPhones, type SlackMessage, type SlackBlock } from './messages';
export { createSlackNotifier, SLACK_DEFAULTS, type SlackNotifierOptions } from './slack';
export { createConsoleNotifier } from './console';

/** What the worker wires: Slack when a webhook URL is configured, the log otherwise. */
export function createNotifier(
  config: { slackWebhookUrl?: string; log?: (line: string) => void } & Partial<Omit<SlackNotifierOptions, 'webhookUrl' | 'log'>>,
): Notifier {
  const { slackWebhookUrl, ...rest } = config;
  return slackWebhookUrl ? createSlackNotifier({ ...rest, webhookUrl: slackWebhookUrl }) : createConsoleNotifier({ log: config.log });
}
