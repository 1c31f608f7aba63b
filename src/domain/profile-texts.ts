/**
 * What a chip's profile says (Brazilian Portuguese), and the instance's settings as a person would
 * have them. Names and about texts come as a deterministic list of candidates per chip (its id
 * seeds the order): the database claims the first one no other chip of the fleet holds, so no two
 * chips of a fleet share a name or an about text and a retried step claims the same one again.
 */
import { type Random, hashString, seededRandom, shuffle } from './random';

const FIRST_NAMES = [
  'Ana',
  'Bruno',
  'Camila',
  'Diego',
  'Eduarda',
  'Felipe',
  'Gabriela',
  'Henrique',
  'Isabela',
  'João',
  'Juliana',
  'Lucas',
  'Larissa',
  'Mateus',
  'Mariana',
  'Nicolas',
  'Patrícia',
  'Rafael',
  'Renata',
  'Samuel',
  'Tatiane',
  'Thiago',
  'Vanessa',
  'Vinícius',
  'Letícia',
  'Gustavo',
  'Bianca',
  'Rodrigo',
  'Aline',
  'Caio',
  'Fernanda',
  'Leonardo',
  'Priscila',
  'André',
  'Carolina',
  'Marcelo',
  'Débora',
  'Otávio',
  'Simone',
  'Paulo',
] as const;

const LAST_NAMES = [
  'Silva',
  'Souza',
  'Oliveira',
  'Santos',
  'Lima',
  'Pereira',
  'Costa',
  'Rodrigues',
  'Almeida',
  'Nascimento',
  'Carvalho',
  'Araújo',
  'Ribeiro',
  'Gomes',
  'Martins',
  'Rocha',
  'Barbosa',
  'Moreira',
  'Teixeira',
  'Cardoso',
  'Mendes',
  'Freitas',
  'Dias',
  'Castro',
  'Monteiro',
] as const;

const ABOUT_TEXTS = [
  'Disponível',
  'Ocupado, respondo depois',
  'Só no zap',
  'Na correria, mas respondo',
  'Família em primeiro lugar',
  'Café, trabalho e fé',
  'Um dia de cada vez',
  'Gratidão sempre',
  'Bora que bora',
  'Segue o baile',
  'Vivendo e aprendendo',
  'Foco no que importa',
  'Deus no comando',
  'Paz e bem',
  'Sem pressa, sem pausa',
  'Carioca de coração',
  'Paulistano na correria',
  'Mineiro e tranquilo',
  'Amo viajar',
  'Futebol aos domingos',
  'Leitora nas horas vagas',
  'Música é vida',
  'Churrasco de domingo',
  'Trabalhando, chama no zap',
  'Só boas vibrações',
  'Menos é mais',
  'Fé, foco e força',
  'Sorria sempre',
  'Time do coração acima de tudo',
  'Cozinhar é terapia',
] as const;

const ABOUT_ENDINGS = ['', ' 🙂', ' 🙏', ' ✌️', ' ☀️', ' 💪', ' ✨', ' 🌻'] as const;

/** How many candidates a chip offers: far more than a fleet holds chips. */
const CANDIDATES = 60;

function chipRandom(chipId: string, what: string): Random {
  return seededRandom(hashString(`${what}:${chipId}`));
}

/** The chip's profile names in order of preference ("Mariana Costa"), all within WhatsApp's 25 characters. */
export function profileNameCandidates(chipId: string): string[] {
  const all = FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first} ${last}`));
  return shuffle(chipRandom(chipId, 'name'), all).slice(0, CANDIDATES);
}

/** The chip's about texts in order of preference, all within WhatsApp's 139 characters. */
export function profileAboutCandidates(chipId: string): string[] {
  const all = ABOUT_TEXTS.flatMap((text) => ABOUT_ENDINGS.map((ending) => `${text}${ending}`));
  return shuffle(chipRandom(chipId, 'about'), all).slice(0, CANDIDATES);
}

/** Texted to a caller while the call is rejected (the provider sends it as the call comes in). */
export const CALL_REJECTED_MESSAGE =
  'Oi! Agora não consigo atender ligação. Me manda uma mensagem por aqui que eu respondo assim que puder 🙂';

/**
 * The instance's settings as a person has them: calls rejected with a polite text, groups heard, not
 * always online, and messages and statuses read by the program's own paced read receipts, never all
 * at once by the provider.
 */
export const PERSON_INSTANCE_SETTINGS = {
  rejectCall: true,
  msgCall: CALL_REJECTED_MESSAGE,
  groupsIgnore: false,
  alwaysOnline: false,
  readMessages: false,
  readStatus: false,
  syncFullHistory: false,
} as const;

/**
 * WhatsApp's privacy defaults as most people leave them: read receipts on, photo and online visible,
 * status and last seen for contacts. Anyone may add the chip to a group (fleet groups need it).
 */
export const PERSON_PRIVACY_SETTINGS = {
  readreceipts: 'all',
  profile: 'all',
  status: 'contacts',
  online: 'all',
  last: 'contacts',
  groupadd: 'all',
} as const;
