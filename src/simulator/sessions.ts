/**
 * TEST / DEMO ONLY. The login side of the simulated instances: a session waiting for its QR code or
 * pairing code to be used, codes that expire and are replaced (the count goes up, as Evolution's
 * does), and a "scan" that connects the instance to a phone. No phone ever
 * scans anything: tests and the dev stack call `scan` (a control method and a test-only route).
 */
import { randomBytes, randomInt } from 'node:crypto';
import QRCode from 'qrcode';
import { type SimInstance, SimError, type SimNetwork, digitsOf } from './network';

export interface SimSession {
  /** The QR code's content (Baileys' "ref,noiseKey,identityKey,advSecret" shape). */
  code: string;
  /** Set when the session was started for a number (pairing code login). */
  pairingCode: string | null;
  pairingNumber: string | null;
  count: number;
  issuedAt: number;
  expiresAt: number;
}

/** What tests and the dev stack do in place of a person holding the phone. */
export interface SessionControl {
  /**
   * The phone `phone` (E.164 digits) scans the instance's code (or types its pairing code): the
   * instance connects to that number and posts connection.update open. With `code`, it must be the
   * current, unexpired code. Throws when the instance is not waiting for a scan, the code is stale,
   * a pairing code was issued for another number, or another instance holds the number.
   */
  scan(name: string, phone: string, code?: string): SimInstance;
  /** The code the instance shows now (null when no session waits). */
  currentCode(name: string): Readonly<SimSession> | null;
  /** Makes the current code stale: the next connect issues a new one. */
  expireCode(name: string): void;
  setQrLifetime(ms: number): void;
}

const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTVWXYZ0123456789';
const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

export class SimSessions {
  private readonly sessions = new Map<string, SimSession>();

  constructor(
    private readonly network: SimNetwork,
    private lifetimeMs: number,
  ) {}

  /** A new session: the instance waits for a scan; a pairing session is bound to its number. */
  start(name: string, pairingNumber: string | null): SimSession {
    const instance = this.network.require(name);
    instance.state = 'connecting';
    instance.updatedAt = new Date().toISOString();
    const session = this.issue(pairingNumber, 1);
    this.sessions.set(name, session);
    return session;
  }

  /** The session's code, replaced when it has expired; a session is started when none waits. */
  current(name: string, pairingNumber: string | null): SimSession {
    const session = this.sessions.get(name);
    if (!session || (pairingNumber !== null && session.pairingNumber !== pairingNumber)) return this.start(name, pairingNumber);
    if (Date.now() < session.expiresAt) return session;
    const next = this.issue(session.pairingNumber, session.count + 1);
    this.sessions.set(name, next);
    return next;
  }

  /** Evolution's code object, its PNG rendering included. */
  async answer(session: SimSession): Promise<Record<string, unknown>> {
    return {
      pairingCode: session.pairingCode,
      code: session.code,
      base64: await QRCode.toDataURL(session.code, { margin: 1 }),
      count: session.count,
    };
  }

  control(): SessionControl {
    return {
      scan: (name, phone, code) => this.scan(name, phone, code),
      currentCode: (name) => this.sessions.get(name) ?? null,
      expireCode: (name) => {
        const session = this.sessions.get(name);
        if (session) session.expiresAt = Date.now();
      },
      setQrLifetime: (ms) => {
        this.lifetimeMs = Math.max(0, ms);
      },
    };
  }

  scan(name: string, phone: string, code?: string): SimInstance {
    const instance = this.network.require(name);
    const session = this.sessions.get(name);
    if (instance.state !== 'connecting' || !session) {
      throw new SimError(409, [`The "${name}" instance is not waiting for a scan (state ${instance.state}).`]);
    }
    const digits = digitsOf(phone);
    if (!/^\d{8,15}$/.test(digits)) throw new SimError(400, [`"${String(phone).slice(0, 40)}" is not a phone number.`]);
    if (code !== undefined) {
      if (code !== session.code && code !== session.pairingCode) throw new SimError(409, ['This code is not the one the instance shows.']);
      if (Date.now() >= session.expiresAt) throw new SimError(409, ['This code has expired.']);
    }
    if (session.pairingNumber !== null && session.pairingNumber !== digits) {
      throw new SimError(409, ['The pairing code was issued for another number.']);
    }
    const holder = this.network.list().find((i) => i.name !== name && i.phone === digits);
    if (holder) throw new SimError(409, [`The number is already connected on instance "${holder.name}".`]);
    instance.phone = digits;
    this.sessions.delete(name);
    this.network.connect(name);
    return instance;
  }

  private issue(pairingNumber: string | null, count: number): SimSession {
    const now = Date.now();
    return {
      code: `2@${b64(24)},${b64(32)},${b64(32)},${b64(16)}`,
      pairingCode:
        pairingNumber === null ? null : Array.from({ length: 8 }, () => PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]).join(''),
      pairingNumber,
      count,
      issuedAt: now,
      expiresAt: now + this.lifetimeMs,
    };
  }
}
