import { InvalidPhone } from './errors';

/** E.164 without '+': country code then subscriber number, 10 to 15 digits, no leading zero. */
const E164_DIGITS = /^[1-9]\d{9,14}$/;

/** Accepts "+55 11 99999-9999" style input and returns plain digits, or throws InvalidPhone. */
export function normalizePhone(input: string): string {
  const digits = String(input).trim().replace(/^\+/, '').replace(/[\s().-]/g, '');
  if (!E164_DIGITS.test(digits)) {
    throw new InvalidPhone(`Invalid phone '${input}': expected E.164 digits such as 5511999999999 (country code first, 10-15 digits).`);
  }
  return digits;
}

export function isE164Digits(value: string): boolean {
  return E164_DIGITS.test(value);
}

/** Phone numbers leave the process masked: only the last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = String(phone).replace(/\D/g, '');
  return `***${digits.slice(-4)}`;
}

export function phoneToJid(phone: string): string {
  return `${phone}@s.whatsapp.net`;
}

export function jidToPhone(jid: string): string {
  return jid.split('@')[0]!.split(':')[0]!;
}
