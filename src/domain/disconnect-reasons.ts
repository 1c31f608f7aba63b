/**
 * Why a connection closed, and what follows from it. The provider reports a drop in several ways
 * (Evolution v2: `connection.update` with `statusReason`, `status.instance` with
 * `disconnectionReasonCode`, `logout.instance`, and `connecting` while it reconnects by itself); the
 * codes are Baileys' DisconnectReason. Each maps to one class:
 *
 * - `reconnect`: the session is gone (logged out, replaced by another session, a bad session). The
 *   chip pauses and the operator scans the QR code again; it resumes by itself once the connection is open.
 * - `transient`: the connection dropped and the provider reconnects (lost, closed, restart required).
 *   The chip holds silently and re-checks; an alert only when it lasts.
 * - `forbidden`: the number is banned or restricted. A ban only when the provider's own connection state
 *   confirms it (a contradicted report is a warning sign at most).
 * - `unknown`: a code nobody documented. Never a ban: the chip holds like a transient drop and the
 *   operator is told once.
 *
 * Pure: shared by the webhook translation, the bridge, the chip's rules, the console and the docs' table.
 */

export type DisconnectClass = 'reconnect' | 'transient' | 'forbidden' | 'unknown';

export interface DisconnectReason {
  class: DisconnectClass;
  /** The code as reported (null: none, e.g. `logout.instance` or `connecting`). */
  code: number | null;
  /** Baileys' name of the code (or the event), for logs and records. */
  name: string;
  /** What happened, pt-BR (Slack, console). */
  what: string;
  /** What the operator does, pt-BR. */
  todo: string;
}

interface KnownCode {
  class: Exclude<DisconnectClass, 'unknown'>;
  name: string;
  what: string;
}

/** Baileys' DisconnectReason codes, plus Evolution's 402/406 (the codes after which it stops reconnecting). */
const KNOWN_CODES: Readonly<Record<number, KnownCode>> = {
  401: { class: 'reconnect', name: 'loggedOut', what: 'sessão encerrada no aparelho (logged out)' },
  411: { class: 'reconnect', name: 'multideviceMismatch', what: 'aparelho incompatível com a sessão' },
  440: { class: 'reconnect', name: 'connectionReplaced', what: 'outra sessão assumiu o número' },
  500: { class: 'reconnect', name: 'badSession', what: 'sessão corrompida' },
  408: { class: 'transient', name: 'connectionLost', what: 'conexão perdida' },
  428: { class: 'transient', name: 'connectionClosed', what: 'conexão fechada' },
  503: { class: 'transient', name: 'unavailableService', what: 'serviço do WhatsApp indisponível' },
  515: { class: 'transient', name: 'restartRequired', what: 'reinício da conexão necessário' },
  402: { class: 'forbidden', name: 'temporaryBan', what: 'número suspenso temporariamente' },
  403: { class: 'forbidden', name: 'forbidden', what: 'número bloqueado pelo WhatsApp' },
  406: { class: 'forbidden', name: 'permanentBan', what: 'número banido' },
};

/** The codes of each class, for tests and the docs' table. */
export const CODES_BY_CLASS: Readonly<Record<Exclude<DisconnectClass, 'unknown'>, readonly number[]>> = {
  reconnect: codesOf('reconnect'),
  transient: codesOf('transient'),
  forbidden: codesOf('forbidden'),
};

/** What the operator does, per class (pt-BR). */
export const TODO_BY_CLASS: Readonly<Record<DisconnectClass, string>> = {
  reconnect: 'leia o QR code de novo',
  transient: 'nada: o provedor reconecta sozinho; se demorar, verifique o aparelho e a internet',
  forbidden: 'nada a reconectar: número banido, substitua o chip',
  unknown: 'verifique a instância no provedor',
};

/** A close with this code (undefined: a close that gave none, taken as a lost connection). */
export function classifyCode(code: number | undefined | null): DisconnectReason {
  if (code === undefined || code === null) return reason('transient', null, 'closed', 'conexão fechada sem motivo informado');
  const known = KNOWN_CODES[code];
  if (known) return reason(known.class, code, known.name, known.what);
  return reason('unknown', code, 'unknown', `código de desconexão ${code} desconhecido`);
}

/** The provider's own events: `logout.instance` ends the session; `connecting` is a reconnection under way. */
export function classifyEvent(event: 'logout.instance' | 'connecting'): DisconnectReason {
  return event === 'logout.instance'
    ? reason('reconnect', null, 'logoutInstance', 'sessão encerrada (logout da instância)')
    : reason('transient', null, 'connecting', 'reconectando');
}

/**
 * A chip's fact as the bridge forwards it: `logged_out` (a session the operator must renew) or
 * `disconnected`, with the code when one came. A `logged_out` without a code of its own class is a
 * `logout.instance`.
 */
export function classifyFact(kind: 'logged_out' | 'disconnected', detail: string | undefined): DisconnectReason {
  const code = detail !== undefined && /^\d{1,4}$/.test(detail) ? Number(detail) : undefined;
  if (kind === 'logged_out') {
    const byCode = code === undefined ? null : classifyCode(code);
    return byCode?.class === 'reconnect' ? byCode : classifyEvent('logout.instance');
  }
  const byCode = classifyCode(code);
  // A ban reaches the chip as its own fact (`banned`), confirmed: a `disconnected` with a ban code is a drop.
  return byCode.class === 'forbidden' ? { ...byCode, class: 'transient' } : byCode;
}

/** The chip page's status line for a paused chip (pt-BR): "desconectado — leia o QR code de novo". */
export function statusLine(r: DisconnectReason): string {
  switch (r.class) {
    case 'reconnect':
      return `desconectado — ${TODO_BY_CLASS.reconnect}`;
    case 'transient':
      return 'conexão perdida — aguardando reconexão';
    case 'forbidden':
      return 'banido pelo provedor';
    case 'unknown':
      return `desconectado (código ${r.code ?? '?'} desconhecido) — aguardando reconexão`;
  }
}

/** The alert for the operator (pt-BR, Slack): what happened and what to do. */
export function alertText(r: DisconnectReason, lastedMinutes?: number): string {
  const code = r.code !== null ? ` (${r.code})` : '';
  switch (r.class) {
    case 'reconnect':
      return `Chip desconectado: ${r.what}${code}. Reconecte: ${TODO_BY_CLASS.reconnect}. O chip volta sozinho quando a conexão abrir.`;
    case 'transient':
      return `Conexão perdida há ${lastedMinutes ?? '?'} min: ${r.what}${code}. Verifique o aparelho e a internet; o chip volta sozinho quando reconectar.`;
    case 'forbidden':
      return `Chip banido pelo provedor: ${r.what}${code}; warm-up encerrado.`;
    case 'unknown':
      return `Desconexão com ${r.what}: nenhum banimento foi registrado; ${TODO_BY_CLASS.unknown}. O chip volta sozinho quando reconectar.`;
  }
}

function reason(cls: DisconnectClass, code: number | null, name: string, what: string): DisconnectReason {
  return { class: cls, code, name, what, todo: TODO_BY_CLASS[cls] };
}

function codesOf(cls: DisconnectClass): number[] {
  return Object.entries(KNOWN_CODES)
    .filter(([, known]) => known.class === cls)
    .map(([code]) => Number(code));
}
