import { ApplicationFailure } from '@temporalio/common';
import { isWarmerError, NON_RETRYABLE_CODES } from '../domain/errors';

/**
 * Typed errors that retrying cannot heal become non-retryable failures whose `type` is the error
 * code, so workflows can tell a number not on WhatsApp from a transient outage.
 */
export function toActivityFailure(err: unknown): unknown {
  if (isWarmerError(err) && NON_RETRYABLE_CODES.includes(err.code)) {
    return ApplicationFailure.nonRetryable(err.message, err.code);
  }
  return err;
}

export async function mapFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
