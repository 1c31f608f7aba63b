import { checkDialogueShape, DIALOGUE_MIN_TURNS } from '../../domain/dialogue-shape';
import type { Dialogue, DialogueRequest, DialogueSource } from './port';

export const DEFAULT_PRIMARY_TIMEOUT_MS = 10_000;

export interface FallbackOptions {
  /** How long the primary may take before the fallback answers instead. */
  timeoutMs?: number;
}

export type DialogueLog = (line: string) => void;

class PrimaryTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PrimaryTimeout(timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Asks `primary` first (typically the LLM) and answers from `fallback` (the built-in library) when
 * the primary throws, times out, returns null, or returns a dialogue that fails the shape check or
 * does not fit in maxTurns. A conversation is never lost because an optional generator misbehaved.
 */
export function withFallback(
  primary: DialogueSource,
  fallback: DialogueSource,
  log: DialogueLog = (line) => console.warn(line),
  options: FallbackOptions = {},
): DialogueSource {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PRIMARY_TIMEOUT_MS;

  async function fromPrimary(request: DialogueRequest): Promise<Dialogue | string> {
    try {
      const dialogue = await withTimeout(
        Promise.resolve().then(() => primary.next(request)),
        timeoutMs,
      );
      if (dialogue === null) return 'primary had no dialogue';
      const shape = checkDialogueShape(dialogue);
      if (!shape.ok) return `primary dialogue failed the shape check (${shape.problems.join('; ')})`;
      if (dialogue.turns.length > request.maxTurns) {
        return `primary dialogue has ${dialogue.turns.length} turns, more than maxTurns ${request.maxTurns}`;
      }
      return dialogue;
    } catch (err) {
      return `primary failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  return {
    async next(request: DialogueRequest): Promise<Dialogue | null> {
      // Nothing can fit: no point asking (and paying) the primary, nor logging a "failure".
      if (request.maxTurns < DIALOGUE_MIN_TURNS) return fallback.next(request);
      const answer = await fromPrimary(request);
      if (typeof answer !== 'string') return answer;
      log(`[dialogue] ${answer}; using the fallback source`);
      return fallback.next(request);
    },
  };
}
