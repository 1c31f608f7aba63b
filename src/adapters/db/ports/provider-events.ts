/** The provider's facts as the webhooks report them, for metrics, the early warning and the fleet breaker. */

/**
 * Provider facts as recorded; `unconfirmed`: a report the provider's own connection state contradicted;
 * `connection_lost`: a drop the provider reconnects from by itself; `call` / `call_fleet`: an incoming
 * call from outside the fleet / from a fleet chip.
 */
export type ProviderEventKind =
  | 'delivered'
  | 'read'
  | 'delivery_failed'
  | 'inbound'
  | 'disconnected'
  | 'banned'
  | 'connected'
  | 'unconfirmed'
  | 'connection_lost'
  | 'call'
  | 'call_fleet';

export interface ProviderEventsPort {
  /** Delivery/read/failure facts from webhooks, for metrics and the early-warning window. True when new (false: `key` already recorded). */
  recordProviderEvent(input: { chipId: string; kind: ProviderEventKind; detail?: string; at: string; key?: string }): Promise<boolean>;
  /** Removes a provider fact by key (not messages), so a redelivery after a failed hand-off counts as new. */
  forgetProviderEvent(input: { key: string }): Promise<boolean>;
  /** Whether this chip sent a message with this provider message id (recorded by completeTurn). */
  sentMessageExists(input: { chipId: string; providerMessageId: string }): Promise<boolean>;
  /** Count of provider events of these kinds since `since`, for the early-warning thresholds and the fleet breaker. */
  countProviderEvents(input: {
    kinds: string[];
    since: string;
    chipId?: string;
    fleetId?: string;
    distinctChips?: boolean;
  }): Promise<number>;
}
