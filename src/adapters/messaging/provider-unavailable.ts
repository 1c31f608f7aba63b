/**
 * The one retryable messaging failure: the provider could not answer now (5xx other than
 * "Connection Closed", 408/429, timeout, network error, or an answer we could not read). It should
 * heal with backoff (its row in domain/errors.ts says retryable). For sendText it also means
 * "outcome unknown" once the request may have reached the provider — the caller, which owns
 * at-most-once delivery, decides what to do.
 */
import { WarmerError } from '../../domain/errors';

export type ProviderUnavailableReason = 'timeout' | 'network' | 'server_error' | 'bad_response' | 'cancelled';

export class ProviderUnavailable extends WarmerError {
  declare readonly code: 'ProviderUnavailable';

  constructor(
    message: string,
    readonly reason: ProviderUnavailableReason,
    /** HTTP status when the provider answered. */
    readonly status?: number,
  ) {
    super('ProviderUnavailable', message);
  }
}

export function isProviderUnavailable(err: unknown): err is ProviderUnavailable {
  return err instanceof ProviderUnavailable;
}
