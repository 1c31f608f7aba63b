/**
 * Built-in dialogues that carry media turns written for them: a photo where someone says "look",
 * a sticker or a reaction where a friend would send one, a voice note when typing is too much.
 * Each media turn also has its text: the caption of a photo, or what the chip says instead when its
 * phase allows only text (primeiros_contatos). Items are ids of the media library
 * (src/adapters/media/files); the planner falls back to the text if an id is unknown.
 */
import type { Dialogue, DialogueTurn, TurnMedia } from './port';

type Line = string | { text: string; media: TurnMedia };

function conversation(id: string, topic: string, lines: Line[]): Dialogue {
  const turns = lines.map((line, index): DialogueTurn => {
    const from = index % 2 === 0 ? 'A' : 'B';
    return typeof line === 'string' ? { from, text: line } : { from, text: line.text, media: line.media };
  });
  return { id, topic, turns };
}

export const MEDIA_DIALOGUES: readonly Dialogue[] = [
  conversation('foto-do-por-do-sol', 'passeio', [
    'Oi! Tá vendo o céu agora?',
    'oi! tô dentro de casa, por quê?',
    { text: 'olha que pôr do sol lindo aqui da orla', media: { kind: 'image', asset: 'image-por-do-sol' } },
    { text: 'que coisa mais linda 😍', media: { kind: 'reaction', emoji: '😍' } },
    'fiquei uns minutos só olhando, deu até paz',
    'vou sair pra ver também antes que acabe, beijo!',
  ]),
  conversation('audio-da-receita-do-bolo', 'receita', [
    'Boa tarde! Me passa a receita daquele bolo de cenoura?',
    { text: 'claro! é fácil, vou te explicar rapidinho', media: { kind: 'audio', asset: 'audio-medio' } },
    'anotei tudo, a cobertura vai no bolo ainda quente?',
    'isso, quente, senão ela não espalha direito',
    { text: 'perfeito, obrigada! ❤️', media: { kind: 'sticker', asset: 'sticker-coracao' } },
  ]),
  conversation('ceu-azul-depois-da-chuva', 'tempo', [
    'E aí, a chuva passou por aí?',
    { text: 'passou sim, olha como ficou o céu', media: { kind: 'image', asset: 'image-ceu-azul' } },
    { text: 'nossa, que diferença de ontem 👏', media: { kind: 'reaction', emoji: '👏' } },
    'pois é, dá até vontade de sair pra caminhar',
    'bora amanhã cedo então?',
    { text: 'bora! te mando um áudio quando acordar', media: { kind: 'audio', asset: 'audio-curto' } },
    { text: 'combinado, até amanhã 😊', media: { kind: 'sticker', asset: 'sticker-sorriso' } },
  ]),
];
