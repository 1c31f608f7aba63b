/**
 * The retry policy of every activity proxy: its own backoff, and the failure types a retry cannot
 * heal (domain/errors.ts) never retried, whichever activity throws them.
 */
import type { RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../domain/errors';

export function retryPolicy(policy: Omit<RetryPolicy, 'nonRetryableErrorTypes'>): RetryPolicy {
  return { ...policy, nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES] };
}
