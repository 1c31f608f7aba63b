import { DIALOGUE_LIBRARY } from '../../../src/adapters/dialogue/library';
import { checkDialogueShape, DIALOGUE_MAX_TURNS, DIALOGUE_MIN_TURNS } from '../../../src/domain/dialogue-shape';

const GREETING = /^(oi|olá|e aí|fala|bom dia|boa tarde|boa noite)/i;
const CLOSING = /(tchau|até|valeu|beij|abraço|obrigad|boa noite|bom feriado|boa semana|bom trabalho|se cuida|durma bem|descansa)/i;
const SPAMMY = /(promo[cç][aã]o|desconto|gr[aá]tis|oferta|cupom|clique|\bpix\b|\blink\b|R\$|compre\b|\bloja\b.*\bonline\b|whatsapp|zap)/i;

describe('the built-in dialogue library', () => {
  it('holds at least 30 dialogues, each passing the shape check', () => {
    expect(DIALOGUE_LIBRARY.length).toBeGreaterThanOrEqual(30);
    for (const dialogue of DIALOGUE_LIBRARY) {
      expect({ id: dialogue.id, ...checkDialogueShape(dialogue) }).toEqual({ id: dialogue.id, ok: true, problems: [] });
    }
  });

  it('has distinct kebab-case ids, distinct openings and distinct conversations', () => {
    const ids = DIALOGUE_LIBRARY.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const openings = DIALOGUE_LIBRARY.map((d) => d.turns[0]!.text.toLowerCase());
    expect(new Set(openings).size).toBe(openings.length);
    const bodies = DIALOGUE_LIBRARY.map((d) => d.turns.map((t) => t.text).join('\n'));
    expect(new Set(bodies).size).toBe(bodies.length);
  });

  it('covers many everyday topics', () => {
    const topics = new Set(DIALOGUE_LIBRARY.map((d) => d.topic));
    expect(topics.size).toBeGreaterThanOrEqual(25);
    for (const topic of [
      'fim de semana',
      'tempo',
      'comida',
      'futebol',
      'trabalho',
      'série',
      'família',
      'pets',
      'trânsito',
      'academia',
      'aniversário',
      'receita',
    ]) {
      expect(topics).toContain(topic);
    }
  });

  it('spreads lengths over 4-12 turns, with several dialogues of every length', () => {
    const byLength = new Map<number, number>();
    for (const d of DIALOGUE_LIBRARY) byLength.set(d.turns.length, (byLength.get(d.turns.length) ?? 0) + 1);
    for (let turns = DIALOGUE_MIN_TURNS; turns <= DIALOGUE_MAX_TURNS; turns++) {
      expect({ turns, atLeastThree: (byLength.get(turns) ?? 0) >= 3 }).toEqual({ turns, atLeastThree: true });
    }
  });

  it('opens each dialogue with a greeting and closes it naturally', () => {
    for (const d of DIALOGUE_LIBRARY) {
      expect({ id: d.id, opening: GREETING.test(d.turns[0]!.text) }).toEqual({ id: d.id, opening: true });
      expect({ id: d.id, closing: CLOSING.test(d.turns[d.turns.length - 1]!.text) }).toEqual({ id: d.id, closing: true });
    }
  });

  it('varies message length from a quick "kkk" to a couple of sentences', () => {
    const lengths = DIALOGUE_LIBRARY.flatMap((d) => d.turns.map((t) => t.text.length));
    expect(Math.min(...lengths)).toBeLessThanOrEqual(20);
    expect(Math.max(...lengths)).toBeGreaterThanOrEqual(100);
    const twoSentences = DIALOGUE_LIBRARY.flatMap((d) => d.turns).filter((t) => /[.!?]\s+\S.*[.!?]?$/.test(t.text) && t.text.length > 80);
    expect(twoSentences.length).toBeGreaterThanOrEqual(3);
  });

  it('sounds informal: kkk, vc/tb and the occasional emoji', () => {
    const withKkk = DIALOGUE_LIBRARY.filter((d) => d.turns.some((t) => /\bkkk+/.test(t.text)));
    const withVcTb = DIALOGUE_LIBRARY.filter((d) => d.turns.some((t) => /\b(vc|vcs|tb)\b/.test(t.text)));
    const withEmoji = DIALOGUE_LIBRARY.filter((d) => d.turns.some((t) => /\p{Extended_Pictographic}/u.test(t.text)));
    expect(withKkk.length).toBeGreaterThanOrEqual(15);
    expect(withVcTb.length).toBeGreaterThanOrEqual(10);
    expect(withEmoji.length).toBeGreaterThanOrEqual(8);
    expect(withEmoji.length).toBeLessThan(DIALOGUE_LIBRARY.length);
  });

  it('contains no digits, links or anything that reads as commercial', () => {
    for (const turn of DIALOGUE_LIBRARY.flatMap((d) => d.turns)) {
      expect(turn.text).not.toMatch(/\d/);
      expect(turn.text).not.toMatch(SPAMMY);
      expect(turn.text).toBe(turn.text.trim());
    }
  });
});
