import { DIALOGUE_LIBRARY } from '../../../src/adapters/dialogue/library';
import { createLibrarySource } from '../../../src/adapters/dialogue/library-source';
import type { Dialogue } from '../../../src/adapters/dialogue/port';
import { WarmerError } from '../../../src/domain/errors';
import { seededRandom } from '../../../src/domain/random';

const constant = (value: number) => () => value;

describe('createLibrarySource', () => {
  it('only offers dialogues that fit in maxTurns', async () => {
    const source = createLibrarySource();
    const random = seededRandom(7);
    for (let maxTurns = 4; maxTurns <= 14; maxTurns++) {
      for (let i = 0; i < 50; i++) {
        const dialogue = await source.next({ maxTurns, random });
        expect(dialogue).not.toBeNull();
        expect(dialogue!.turns.length).toBeLessThanOrEqual(maxTurns);
      }
    }
  });

  it('answers null when no dialogue can fit (maxTurns below 4)', async () => {
    const source = createLibrarySource();
    for (const maxTurns of [-1, 0, 1, 3]) expect(await source.next({ maxTurns, random: Math.random })).toBeNull();
  });

  it('picks uniformly among the fitting dialogues, driven only by request.random', async () => {
    const source = createLibrarySource();
    const fitting = DIALOGUE_LIBRARY.filter((d) => d.turns.length <= 6);
    const counts = new Map<string, number>();
    const steps = fitting.length * 10;
    for (let i = 0; i < steps; i++) {
      const dialogue = await source.next({ maxTurns: 6, random: constant((i + 0.5) / steps) });
      counts.set(dialogue!.id, (counts.get(dialogue!.id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(fitting.map((d) => d.id).sort());
    expect(new Set(counts.values())).toEqual(new Set([10]));
  });

  it('is deterministic for a seed and tolerates a random source that returns 1', async () => {
    const run = async (seed: number) => {
      const source = createLibrarySource();
      const random = seededRandom(seed);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await source.next({ maxTurns: 12, random }))!.id);
      return ids;
    };
    expect(await run(42)).toEqual(await run(42));
    expect(new Set(await run(42)).size).toBeGreaterThan(10);
    const last = await createLibrarySource().next({ maxTurns: 12, random: constant(1) });
    expect(last!.id).toBe(DIALOGUE_LIBRARY[DIALOGUE_LIBRARY.length - 1]!.id);
  });

  it('hands out a copy, so a caller cannot alter the shared library', async () => {
    const source = createLibrarySource();
    const dialogue = await source.next({ maxTurns: 12, random: constant(0) });
    dialogue!.turns[0]!.text = 'alterado';
    expect(DIALOGUE_LIBRARY[0]!.turns[0]!.text).not.toBe('alterado');
  });

  it('asked to prefer the longest, picks among the longest dialogues that fit, and varies among them', async () => {
    const source = createLibrarySource();
    for (const maxTurns of [12, 9, 5]) {
      const longest = Math.max(...DIALOGUE_LIBRARY.map((d) => d.turns.length).filter((n) => n <= maxTurns));
      const picked = new Set<string>();
      for (let seed = 0; seed < 40; seed++) {
        const dialogue = await source.next({ maxTurns, random: seededRandom(seed), preferLongest: true });
        expect(dialogue!.turns).toHaveLength(longest);
        picked.add(dialogue!.id);
      }
      expect(picked.size).toBeGreaterThan(1);
    }
  });

  it('accepts a custom library and refuses one with a malformed dialogue', async () => {
    const custom: Dialogue[] = [
      {
        id: 'curta',
        topic: 'teste',
        turns: ['oi!', 'oi, tudo?', 'tudo! até', 'até!'].map((text, i) => ({ from: i % 2 ? 'B' : 'A', text })),
      },
    ];
    expect((await createLibrarySource(custom).next({ maxTurns: 4, random: Math.random }))!.id).toBe('curta');

    const broken: Dialogue[] = [{ id: 'quebrada', topic: 'teste', turns: [{ from: 'B', text: 'oi' }] }];
    expect(() => createLibrarySource(broken)).toThrow(WarmerError);
    expect(() => createLibrarySource(broken)).toThrow(/quebrada: has 1 turns/);
  });
});
