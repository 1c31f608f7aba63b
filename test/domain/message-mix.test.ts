import {
  MESSAGE_KINDS,
  MESSAGE_MIX,
  allowsKind,
  isSingleEmoji,
  messageMix,
  planTurnKinds,
  type MessageKind,
  type TurnSlot,
} from '../../src/domain/message-mix';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PHASES, type Phase } from '../../src/domain/phases';
import { seededRandom } from '../../src/domain/random';

const alternating = (n: number, authored: Record<number, MessageKind> = {}): TurnSlot[] =>
  Array.from({ length: n }, (_, i) => ({ from: i % 2 === 0 ? 'A' : 'B', ...(authored[i] ? { authored: authored[i] } : {}) }));

/** Kinds of every turn over many seeded 12-turn plans where both sides are in `phase`. */
function kindsOver(phase: Phase, plans = 2000, authored: Record<number, MessageKind> = {}): MessageKind[][] {
  const random = seededRandom(42);
  return Array.from({ length: plans }, () => planTurnKinds(alternating(12, authored), { A: phase, B: phase }, random));
}

describe('message mix per phase', () => {
  it('has a row for every phase of the phase table, each summing to 100 with text included', () => {
    expect(Object.keys(MESSAGE_MIX).sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) {
      const mix = messageMix(phase);
      expect(Object.keys(mix).sort()).toEqual([...MESSAGE_KINDS].sort());
      expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBe(100);
      expect(mix.text).toBeGreaterThanOrEqual(70); // variety, not a media feed
    }
  });

  it('is text only in setup and primeiros_contatos, and widens phase by phase', () => {
    for (const phase of ['setup', 'primeiros_contatos'] as const) {
      expect(messageMix(phase).text).toBe(100);
      expect(
        kindsOver(phase)
          .flat()
          .every((k) => k === 'text'),
      ).toBe(true);
    }
    const allowed = (phase: Phase) => MESSAGE_KINDS.filter((k) => allowsKind(phase, k));
    expect(allowed('expansao')).toEqual(['text', 'reaction', 'sticker']);
    expect(allowed('pre_operacao')).toEqual([...MESSAGE_KINDS]);
    expect(allowed('operacao')).toEqual([...MESSAGE_KINDS]);
    expect(messageMix('operacao').text).toBeLessThan(messageMix('pre_operacao').text);
    expect(messageMix('pre_operacao').text).toBeLessThan(messageMix('expansao').text);
  });

  it('opens with text, never puts two drawn media turns in a row, and only uses kinds the phase allows', () => {
    const problems: string[] = [];
    for (const phase of ['expansao', 'pre_operacao', 'operacao'] as const) {
      for (const kinds of kindsOver(phase)) {
        if (kinds[0] !== 'text') problems.push(`${phase}: opens with ${kinds[0]}`);
        kinds.forEach((k, i) => {
          if (!allowsKind(phase, k)) problems.push(`${phase}: ${k}`);
          if (i > 0 && k !== 'text' && kinds[i - 1] !== 'text') problems.push(`${phase}: ${kinds[i - 1]} then ${k}`);
        });
      }
    }
    expect(problems).toEqual([]);
  });

  it('draws each kind at about its share (turns after a media turn are text by rule)', () => {
    const turns = kindsOver('operacao', 4000).flatMap((kinds) => kinds.slice(1).filter((_, i) => kinds[i] === 'text'));
    for (const kind of ['reaction', 'sticker', 'image', 'audio'] as const) {
      const share = (turns.filter((k) => k === kind).length / turns.length) * 100;
      expect(Math.abs(share - MESSAGE_MIX.operacao[kind])).toBeLessThan(1.5);
    }
  });

  it('each side follows its own phase: a partner in primeiros_contatos answers only with text', () => {
    const random = seededRandom(7);
    const partner = new Set<MessageKind>();
    const initiator = new Set<MessageKind>();
    for (let i = 0; i < 500; i++) {
      const kinds = planTurnKinds(alternating(12), { A: 'operacao', B: 'primeiros_contatos' }, random);
      kinds.forEach((k, index) => (index % 2 === 1 ? partner : initiator).add(k));
    }
    expect([...partner]).toEqual(['text']);
    expect(initiator.size).toBe(MESSAGE_KINDS.length);
  });

  it('keeps a turn the dialogue wrote as media where the phase allows it, text where it does not', () => {
    const written = { 1: 'image', 2: 'reaction', 3: 'audio' } as const;
    expect(kindsOver('pre_operacao', 50, written).every((k) => k[1] === 'image' && k[2] === 'reaction' && k[3] === 'audio')).toBe(true);
    expect(kindsOver('expansao', 50, written).every((k) => k[1] === 'text' && k[2] === 'reaction' && k[3] === 'text')).toBe(true);
    expect(kindsOver('primeiros_contatos', 50, written).every((k) => k.every((kind) => kind === 'text'))).toBe(true);
    // Written media on the opening turn is ignored: a conversation opens with words.
    expect(kindsOver('operacao', 50, { 0: 'sticker' }).every((k) => k[0] === 'text')).toBe(true);
  });

  it('is deterministic for a seed and consumes one draw per turn after the first', () => {
    const plan = (seed: number) => planTurnKinds(alternating(10), { A: 'operacao', B: 'pre_operacao' }, seededRandom(seed));
    expect(plan(99)).toEqual(plan(99));
    let draws = 0;
    const counting = () => {
      draws++;
      return 0.99;
    };
    planTurnKinds(alternating(10, { 3: 'image' }), { A: 'operacao', B: 'operacao' }, counting);
    expect(draws).toBe(9);
  });

  it('recognises one emoji (flags, ZWJ sequences and variation selectors included) and nothing else', () => {
    for (const yes of ['👍', '❤️', '😂', '👍🏽', '👨‍👩‍👧', '🇧🇷', '🔥']) expect([yes, isSingleEmoji(yes)]).toEqual([yes, true]);
    for (const no of ['', 'a', 'ok', '👍👍', '👍 ', ':)', '1', 'a👍']) expect([no, isSingleEmoji(no)]).toEqual([no, false]);
  });

  it('is the table docs/warm-up-program.md documents', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'warm-up-program.md'), 'utf8');
    const table = /<!-- message-mix:[^\n]*-->\n([\s\S]*?)<!-- \/message-mix -->/.exec(doc)![1]!;
    const expected = PHASES.map((phase) => {
      const m = messageMix(phase);
      return `| \`${phase}\` | ${m.reaction}% | ${m.sticker}% | ${m.image}% | ${m.audio}% | ${m.text}% |`;
    });
    expect(table.trim().split('\n').slice(2)).toEqual(expected);
  });
});
