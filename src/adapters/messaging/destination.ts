/**
 * Where a send goes, as the provider's `number` field takes it: a phone (E.164 digits, normalized) or
 * a group JID (`…@g.us`, sent as given), with the masked form for error messages.
 */
import { isGroupJid, maskGroupJid } from '../../domain/group-jid';
import { maskPhone, normalizePhone } from '../../domain/phone';

export interface Destination {
  /** What goes in the request's `number`. */
  number: string;
  masked: string;
  group: boolean;
}

/** Throws InvalidPhone for anything that is neither a phone nor a group JID. */
export function toDestination(numberOrGroupJid: string): Destination {
  const trimmed = String(numberOrGroupJid).trim();
  if (isGroupJid(trimmed)) return { number: trimmed, masked: maskGroupJid(trimmed), group: true };
  const digits = normalizePhone(trimmed);
  return { number: digits, masked: maskPhone(digits), group: false };
}
