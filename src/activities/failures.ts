import { ApplicationFailure } from '@temporalio/common';
import { failureFields, isWarmerError } from '../domain/errors';

/**
 * Typed errors that retrying cannot heal (domain/errors.ts) become non-retryable failures whose
 * `type` is the error code, so workflows can tell a number not on WhatsApp from a transient outage.
 * A retryable one goes as it is: the SDK names its failure by the error's name, which is its code.
 */
export function toActivityFailure(err: unknown): unknown {
  if (!isWarmerError(err) || err.retryable) return err;
  const failure = ApplicationFailure.create(failureFields(err));
  failure.stack = err.stack;
  return failure;
}

export async function mapFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
