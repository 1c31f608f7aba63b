import { toSlackMessage, unescapeMrkdwn } from './messages';
import type { Notification, Notifier } from './port';

/**
 * Used when SLACK_WEBHOOK_URL is unset: the same (masked) text Slack would get, on one log line.
 */
export function createConsoleNotifier(options: { log?: (line: string) => void } = {}): Notifier {
  const log = options.log ?? ((line: string) => console.log(line));
  return {
    async notify(notification: Notification): Promise<void> {
      try {
        log(`[notify:${notification.kind}] ${unescapeMrkdwn(toSlackMessage(notification).text).replace(/\n/g, ' | ')}`);
      } catch (err) {
        log(`[notify] could not format a '${notification.kind}' notification: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
