/**
 * Typed errors back from Temporal failures: an activity's, a child's or an Update's failure whose
 * `type` is a code of domain/errors.ts becomes that error again (with what its details carry), so
 * clients act on the type, never on the message.
 */
import { ApplicationFailure } from '@temporalio/common';
import { type WarmerError, isWarmerError, reviveError } from '../domain/errors';

/** How deep a failure's causes are searched (a workflow's failure, its activity's, the application's). */
const MAX_CAUSES = 8;

/** The typed error `err` or one of its causes carries, or undefined. */
export function revivedFailure(err: unknown): WarmerError | undefined {
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < MAX_CAUSES; depth++) {
    if (isWarmerError(current)) return current;
    if (current instanceof ApplicationFailure) {
      const typed = reviveError(current.type, current.message, current.details ?? []);
      if (typed) return typed;
    }
    current = current.cause;
  }
  return undefined;
}
