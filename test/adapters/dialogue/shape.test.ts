import { checkDialogueShape, DIALOGUE_MAX_TEXT_CHARS } from '../../../src/domain/dialogue-shape';

function dialogueOf(texts: string[], overrides: Record<string, unknown> = {}) {
  return {
    id: 'teste',
    topic: 'teste',
    turns: texts.map((text, i) => ({ from: i % 2 === 0 ? 'A' : 'B', text })),
    ...overrides,
  };
}

const FOUR = ['oi, tudo bem?', 'tudo sim e vc?', 'tb! até mais', 'até!'];

describe('checkDialogueShape', () => {
  it('accepts a short alternating chat that starts with A', () => {
    expect(checkDialogueShape(dialogueOf(FOUR))).toEqual({ ok: true, problems: [] });
  });

  it('accepts times, scores and small numbers in casual text', () => {
    const texts = ['oi! jogo às 19h30?', 'sim, ganhamos de 2 x 1 kkk', 'nota 10 pro goleiro', 'valeu, até amanhã às 8'];
    expect(checkDialogueShape(dialogueOf(texts)).ok).toBe(true);
  });

  it('refuses fewer than 4 and more than 12 turns', () => {
    expect(checkDialogueShape(dialogueOf(FOUR.slice(0, 3))).problems).toContain('has 3 turns (expected 4-12)');
    const thirteen = Array.from({ length: 13 }, (_, i) => `mensagem ${i % 2 === 0 ? 'a' : 'b'}`);
    expect(checkDialogueShape(dialogueOf(thirteen)).problems).toContain('has 13 turns (expected 4-12)');
  });

  it('refuses a chat that B starts or where a speaker talks twice in a row', () => {
    const bStarts = dialogueOf(FOUR);
    bStarts.turns = bStarts.turns.map((t) => ({ ...t, from: t.from === 'A' ? 'B' : 'A' }));
    expect(checkDialogueShape(bStarts).problems[0]).toBe("turn 1: expected from 'A', got 'B'");

    const twice = dialogueOf(FOUR);
    twice.turns[2]!.from = 'B';
    expect(checkDialogueShape(twice).problems).toEqual(["turn 3: expected from 'A', got 'B'"]);

    const stranger = dialogueOf(FOUR);
    stranger.turns[1]!.from = 'C';
    expect(checkDialogueShape(stranger).ok).toBe(false);
  });

  it('refuses empty, blank, non-string and over-long texts', () => {
    const texts = ['oi', '   ', 'x'.repeat(DIALOGUE_MAX_TEXT_CHARS + 1), 'tchau'];
    const { ok, problems } = checkDialogueShape(dialogueOf(texts));
    expect(ok).toBe(false);
    expect(problems).toContain('turn 2: text is empty');
    expect(problems).toContain(`turn 3: text has ${DIALOGUE_MAX_TEXT_CHARS + 1} chars (max ${DIALOGUE_MAX_TEXT_CHARS})`);

    const numeric = dialogueOf(FOUR);
    (numeric.turns[0] as { text: unknown }).text = 42;
    expect(checkDialogueShape(numeric).problems).toContain('turn 1: text is not a string');
    expect(checkDialogueShape(dialogueOf(['x'.repeat(DIALOGUE_MAX_TEXT_CHARS), 'b', 'c', 'd'])).ok).toBe(true);
  });

  it.each([
    'olha isso https://exemplo.com.br/oferta',
    'entra em www.exemplo.com',
    'me chama no wa.me/5511999999999',
    'vê no exemplo.com.br',
    'ftp://arquivos.local/x',
  ])('refuses a link: %s', (text) => {
    expect(checkDialogueShape(dialogueOf([text, ...FOUR.slice(1)])).problems).toContain('turn 1: text contains a link');
  });

  it.each(['me liga no 11999999999', 'meu número: +55 (11) 99999-9999', 'anota aí 9999-8888', 'cod 1234 5678'])(
    'refuses a phone-like digit run: %s',
    (text) => {
      expect(checkDialogueShape(dialogueOf([...FOUR.slice(0, 3), text])).problems).toContain(
        'turn 4: text contains a phone-like digit run',
      );
    },
  );

  it('refuses an e-mail address', () => {
    expect(checkDialogueShape(dialogueOf(['oi! manda pra fulano@exemplo.com', ...FOUR.slice(1)])).problems).toContain(
      'turn 1: text contains an e-mail address',
    );
  });

  it('requires id and topic, an object and a turns array', () => {
    expect(checkDialogueShape(dialogueOf(FOUR, { id: '' })).problems).toEqual(['id is missing']);
    expect(checkDialogueShape(dialogueOf(FOUR, { topic: undefined })).problems).toEqual(['topic is missing']);
    expect(checkDialogueShape(null)).toEqual({ ok: false, problems: ['dialogue is not an object'] });
    expect(checkDialogueShape([FOUR]).ok).toBe(false);
    expect(checkDialogueShape({ id: 'x', topic: 'y', turns: 'oi' }).problems).toEqual(['turns is not an array']);
    expect(checkDialogueShape({ id: 'x', topic: 'y', turns: ['oi', 'b', 'c', 'd'] }).problems).toContain('turn 1: not an object');
  });
});
