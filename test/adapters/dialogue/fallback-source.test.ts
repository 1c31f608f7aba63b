import { withFallback } from '../../../src/adapters/dialogue/fallback-source';
import type { Dialogue, DialogueSource } from '../../../src/adapters/dialogue/port';

const request = { maxTurns: 8, random: () => 0.25 };

const chat = (id: string, texts: string[]): Dialogue => ({
  id,
  topic: 'teste',
  turns: texts.map((text, i) => ({ from: i % 2 === 0 ? 'A' : 'B', text })),
});

const PRIMARY = chat('primaria', ['oi!', 'oi, tudo bem?', 'tudo ótimo, até logo', 'até!']);
const FALLBACK = chat('reserva', ['bom dia!', 'bom dia, tudo certo?', 'tudo, valeu', 'tchau!']);

const fixed = (answer: Dialogue | null): DialogueSource => ({ next: async () => answer });
const fallback = fixed(FALLBACK);

function setup(primary: DialogueSource, timeoutMs?: number) {
  const lines: string[] = [];
  const source = withFallback(primary, fallback, (line) => lines.push(line), { timeoutMs });
  return { source, lines };
}

describe('withFallback', () => {
  it("uses the primary's dialogue when it is good", async () => {
    const { source, lines } = setup(fixed(PRIMARY));
    expect(await source.next(request)).toBe(PRIMARY);
    expect(lines).toEqual([]);
  });

  it('falls back when the primary throws, synchronously or not', async () => {
    const rejecting = setup({ next: async () => Promise.reject(new Error('quota exceeded')) });
    expect(await rejecting.source.next(request)).toBe(FALLBACK);
    expect(rejecting.lines).toEqual(['[dialogue] primary failed: quota exceeded; using the fallback source']);

    const throwing = setup({
      next: () => {
        throw new Error('boom');
      },
    });
    expect(await throwing.source.next(request)).toBe(FALLBACK);
  });

  it('falls back when the primary has nothing', async () => {
    const { source, lines } = setup(fixed(null));
    expect(await source.next(request)).toBe(FALLBACK);
    expect(lines[0]).toMatch(/primary had no dialogue/);
  });

  it('falls back when the primary answers a dialogue that fails the shape check', async () => {
    const spam = chat('spam', ['oi!', 'oi', 'acessa https://exemplo.com', 'tchau']);
    const { source, lines } = setup(fixed(spam));
    expect(await source.next(request)).toBe(FALLBACK);
    expect(lines[0]).toMatch(/failed the shape check \(turn 3: text contains a link\)/);
  });

  it('falls back when the primary ignores maxTurns', async () => {
    const long = chat('longa', ['oi!', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'tchau']);
    const { source, lines } = setup(fixed(long));
    expect(await source.next(request)).toBe(FALLBACK);
    expect(lines[0]).toMatch(/10 turns, more than maxTurns 8/);
  });

  it('falls back when the primary takes longer than the timeout', async () => {
    const hanging: DialogueSource = { next: () => new Promise(() => undefined) };
    const { source, lines } = setup(hanging, 100);
    const started = Date.now();
    expect(await source.next(request)).toBe(FALLBACK);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lines[0]).toMatch(/no answer within 100 ms/);
  });

  it('does not ask the primary when nothing can fit', async () => {
    const primary = { next: jest.fn(async () => PRIMARY) };
    const { source, lines } = setup(primary);
    const none = withFallback(primary, fixed(null), () => undefined);
    expect(await none.next({ maxTurns: 3, random: Math.random })).toBeNull();
    expect(await source.next({ maxTurns: 3, random: Math.random })).toBe(FALLBACK);
    expect(primary.next).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
