/**
 * TEST / DEMO ONLY. Connections that drop and calls that come in, reported as Evolution v2.3.6 reports
 * them (whatsapp.baileys.service.ts: connectionUpdate and the `call` handler).
 *
 * A drop with a code Evolution gives up on (401 logged out, 402/406 banned, 403 forbidden) posts
 * `status.instance` (with `disconnectionReasonCode`), `logout.instance` (data null) and
 * `connection.update` `close` with `statusReason`, and the instance stays closed. Any other code
 * (Baileys' DisconnectReason: 408 lost, 411, 428 closed, 440 replaced, 500 bad session, 503, 515
 * restart required) makes Evolution reconnect at once: it posts only `connection.update`
 * `connecting` with `statusReason: 200` (the code itself never reaches a webhook), then `open`.
 * (`control.disconnect(name, { statusReason, emit: true })` still posts a raw `close` with any code.)
 */
import { randomBytes } from 'node:crypto';
import { type EmitWebhook, SimError, type SimNetwork, digitsOf } from './network';
import type { SimProfiles } from './profiles';

/** The codes after which Evolution stops reconnecting. */
export const EVOLUTION_FINAL_CODES: readonly number[] = [401, 402, 403, 406];

export interface SimCallRecord {
  callId: string;
  instance: string;
  fromPhone: string;
  isVideo: boolean;
  /** False when the instance was not connected: the call never reached it and nothing was posted. */
  reached: boolean;
  /** Rejected by the instance's `rejectCall` setting. */
  rejected: boolean;
  /** The instance's `msgCall` text went to the caller. */
  replied: boolean;
  at: number;
}

export class SimConnectionEvents {
  private readonly callLog: SimCallRecord[] = [];

  constructor(
    private readonly network: SimNetwork,
    private readonly emit: EmitWebhook,
    private readonly profiles: SimProfiles,
    private readonly schedule: (ms: number, run: () => void) => void,
  ) {}

  dropConnection(name: string, statusReason: number, options: { reconnectAfterMs?: number } = {}): void {
    const instance = this.network.require(name);
    if (!Number.isInteger(statusReason)) throw new Error(`dropConnection('${name}'): statusReason must be an integer code.`);
    if (EVOLUTION_FINAL_CODES.includes(statusReason)) {
      const at = new Date();
      const lastDisconnect = {
        error: {
          isBoom: true,
          isServer: false,
          output: { statusCode: statusReason, payload: { statusCode: statusReason, error: 'Unauthorized', message: 'Connection Failure' } },
        },
        date: at.toISOString(),
      };
      this.emit(instance, 'status.instance', {
        instance: name,
        status: 'closed',
        disconnectionAt: at.toISOString(),
        disconnectionReasonCode: statusReason,
        disconnectionObject: JSON.stringify(lastDisconnect),
      });
      this.emit(instance, 'logout.instance', null);
      this.network.close(instance, statusReason, true);
      return;
    }
    instance.state = 'connecting';
    instance.updatedAt = new Date().toISOString();
    this.emit(instance, 'connection.update', { instance: name, state: 'connecting', statusReason: 200 });
    if (options.reconnectAfterMs !== undefined) {
      this.schedule(options.reconnectAfterMs, () => {
        if (this.network.get(name)?.state === 'connecting') this.network.connect(name);
      });
    }
  }

  /**
   * A call from `fromPhone` rings on `name`. As Evolution does: reject it if the settings say so, text
   * `msgCall` to the caller if set, then post the `call` event (Baileys' call offer).
   */
  incomingCall(name: string, fromPhone: string, options: { isVideo?: boolean } = {}): SimCallRecord {
    const instance = this.network.require(name);
    const caller = digitsOf(fromPhone);
    const record: SimCallRecord = {
      callId: randomBytes(16).toString('hex').toUpperCase(),
      instance: name,
      fromPhone: caller,
      isVideo: options.isVideo ?? false,
      reached: instance.state === 'open',
      rejected: false,
      replied: false,
      at: Date.now(),
    };
    this.callLog.push(record);
    if (!record.reached) return { ...record };
    const settings = this.profiles.settings(name);
    record.rejected = settings.rejectCall;
    if (settings.msgCall.trim().length > 0) {
      try {
        const answer = this.network.sendText(name, caller, settings.msgCall);
        // Evolution hands its own reply to its upsert handler, so it is posted as an upsert too.
        this.emit(instance, 'messages.upsert', answer);
        record.replied = true;
      } catch (err) {
        // A failed reply (an injected send failure) does not stop the call being reported.
        if (!(err instanceof SimError)) throw err;
      }
    }
    this.emit(instance, 'call', callOffer(record));
    return { ...record };
  }

  calls(): SimCallRecord[] {
    return this.callLog.map((c) => ({ ...c }));
  }
}

/** Baileys' WACallEvent for an offer, as JSON carries it (the date as an ISO string). */
function callOffer(record: SimCallRecord): Record<string, unknown> {
  const from = `${record.fromPhone}@s.whatsapp.net`;
  return {
    chatId: from,
    from,
    isGroup: false,
    id: record.callId,
    date: new Date(record.at).toISOString(),
    isVideo: record.isVideo,
    status: 'offer',
    offline: false,
  };
}
