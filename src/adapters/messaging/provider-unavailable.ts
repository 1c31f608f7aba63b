/**
 * The one retryable messaging failure: the provider could not answer now (5xx other than
 * "Connection Closed", 408/429, timeout, network error, or an answer we could not read).
 *
 * It is deliberately not a WarmerError: every WarmerError code is non-retryable, while this one
 * should heal with backoff. For sendText it also means "outcome unknown" once the request may
 * have reached the provider — the caller, which owns at-most-once delivery, decides what to do.
 */
export type ProviderUnavailableReason = 'timeout' | 'network' | 'server_error' | 'bad_response' | 'cancelled';

export class ProviderUnavailable extends Error {
  readonly code = 'ProviderUnavailable' as const;
  readonly retryable = true as const;

  constructor(
    message: string,
    readonly reason: ProviderUnavailableReason,
    /** HTTP status when the provider answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderUnavailable';
  }
}

export function isProviderUnavailable(err: unknown): err is ProviderUnavailable {
  return err instanceof ProviderUnavailable;
}
