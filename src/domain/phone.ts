import { InvalidPhone } from './errors';

/** E.164 without '+': country code then subscriber number, 10 to 15 digits, no leading zero. */
const E164_DIGITS = /^[1-9]\d{9,14}$/;

/**
 * Accepts "+55 11 99999-9999" style input and returns the canonical plain digits (see canonicalPhone),
 * or throws InvalidPhone.
 */
export function normalizePhone(input: string): string {
  const digits = String(input)
    .trim()
    .replace(/^\+/, '')
    .replace(/[\s().-]/g, '');
  if (!E164_DIGITS.test(digits)) {
    throw new InvalidPhone(`Invalid phone '${input}': expected E.164 digits such as 5511999999999 (country code first, 10-15 digits).`);
  }
  return canonicalPhone(digits);
}

/** A Brazilian mobile in the old 8-digit form: 55, area code (11-99), then 8 digits starting 6-9. */
const BR_MOBILE_WITHOUT_NINE = /^55([1-9][1-9])([6-9]\d{7})$/;
/** A Brazilian mobile in today's form: 55, area code, 9, then 8 digits starting 6-9. */
const BR_MOBILE_WITH_NINE = /^55([1-9][1-9])9([6-9]\d{7})$/;

/**
 * The one form Warmer stores: Brazilian mobiles with the ninth digit (WhatsApp still writes older
 * accounts' JIDs without it); every other number as given. Landlines (8 digits starting 2-5) are
 * never touched.
 */
export function canonicalPhone(digits: string): string {
  const old = BR_MOBILE_WITHOUT_NINE.exec(digits);
  return old ? `55${old[1]}9${old[2]}` : digits;
}

/** Every form WhatsApp may write this number in: the canonical one first, then its 8-digit twin. */
export function phoneVariants(digits: string): string[] {
  const canonical = canonicalPhone(digits);
  const current = BR_MOBILE_WITH_NINE.exec(canonical);
  return current ? [canonical, `55${current[1]}${current[2]}`] : [canonical];
}

/** Whether two numbers are the same line, whichever form each is written in. */
export function samePhone(a: string, b: string): boolean {
  return canonicalPhone(a) === canonicalPhone(b);
}

export function isE164Digits(value: string): boolean {
  return E164_DIGITS.test(value);
}

/** Phone numbers leave the process masked: only the last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = String(phone).replace(/\D/g, '');
  return `***${digits.slice(-4)}`;
}

/**
 * Tokens that hold long digit runs but are not phones, matched first so they are kept whole: UUIDs
 * (chip and run ids), date-times with a space, compact timestamps (migration versions, 20YYMMDDhhmmss:
 * Egypt's +20 numbers have 12 digits), epoch milliseconds (13 digits from 1: numbers under +1 have 11),
 * dotted IPv4 addresses, and hex digests of 16 or more characters (event ids). Anything else with ten or
 * more digits, possibly split by spaces, dots, dashes or parentheses (`+55 (11) 99999-9999`, a JID's
 * user part, digits inside an instance name), is a phone.
 */
const NOT_A_PHONE = [
  '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
  '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}',
  '(?<![\\d+])20\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])(?:[01]\\d|2[0-3])[0-5]\\d[0-5]\\d(?!\\d)',
  '(?<![\\d+])1\\d{12}(?!\\d)',
  '(?<![\\d.])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\d.])',
  '(?<![0-9A-Za-z])(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{16,}(?![0-9A-Za-z])',
];
const PHONE_RUN = '(?<!\\d)\\+?\\(?\\d(?:[\\s().-]{0,2}\\d){9,}';
const SCRUB = new RegExp(`(${NOT_A_PHONE.join('|')})|${PHONE_RUN}`, 'g');
/** E.164 numbers have at most 15 digits: a longer run of bare digits is a counter or a timestamp. */
const MAX_PHONE_DIGITS = 15;

/** The text with every phone-like digit run masked to its last 4 digits, whatever it is part of. */
export function scrubPhones(text: string): string {
  return text.replace(SCRUB, (run: string, kept: string | undefined) => {
    if (kept !== undefined) return run;
    if (/^\d+$/.test(run) && run.length > MAX_PHONE_DIGITS) return run;
    return maskPhone(run);
  });
}

export function phoneToJid(phone: string): string {
  return `${phone}@s.whatsapp.net`;
}

export function jidToPhone(jid: string): string {
  return jid.split('@')[0]!.split(':')[0]!;
}
