import { checkDialogueShape } from '../../domain/dialogue-shape';
import { InvalidInput } from '../../domain/errors';
import { pickOne } from '../../domain/random';
import { DIALOGUE_LIBRARY } from './library';
import type { Dialogue, DialogueRequest, DialogueSource } from './port';

/**
 * The offline source: picks uniformly (with the request's random source) among the dialogues that
 * fit in `maxTurns` (among the longest of them when asked to prefer the longest); null when none does. A malformed custom library is refused at construction,
 * so a bad template never reaches a chip.
 */
export function createLibrarySource(library: readonly Dialogue[] = DIALOGUE_LIBRARY): DialogueSource {
  const problems = library.flatMap((dialogue, index) =>
    checkDialogueShape(dialogue).problems.map((p) => `${dialogue.id || `#${index}`}: ${p}`),
  );
  if (problems.length > 0) throw new InvalidInput(`Dialogue library has invalid entries: ${problems.join('; ')}`);
  const dialogues = [...library];

  return {
    async next({ maxTurns, random, preferLongest }: DialogueRequest): Promise<Dialogue | null> {
      const fitting = dialogues.filter((d) => d.turns.length <= maxTurns);
      if (fitting.length === 0) return null;
      const longest = Math.max(...fitting.map((d) => d.turns.length));
      const picked = pickOne(random, preferLongest ? fitting.filter((d) => d.turns.length === longest) : fitting);
      // A copy: callers may annotate turns without touching the shared library.
      return { ...picked, turns: picked.turns.map((turn) => ({ ...turn })) };
    },
  };
}
