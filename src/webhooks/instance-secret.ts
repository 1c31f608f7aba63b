/**
 * The secret each instance's webhook carries (pushed to the provider with POST /webhook/set): its own
 * when WEBHOOK_INSTANCE_SECRETS names one, the shared WEBHOOK_SECRET otherwise. An instance with its
 * own secret never receives the shared one, so a secret read off one instance cannot post for another;
 * the receiver accepts each instance's own secret only (receiver.ts).
 */
export const WEBHOOK_SECRET_HEADER = 'x-warmer-secret';

export function webhookHeadersFor(
  instance: string,
  secrets: { shared: string; perInstance?: Readonly<Record<string, string>> },
): Record<string, string> {
  const own = secrets.perInstance?.[instance];
  return { [WEBHOOK_SECRET_HEADER]: own && own.length > 0 ? own : secrets.shared };
}
