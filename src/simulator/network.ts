/**
 * TEST / DEMO ONLY. The in-memory messaging network behind the simulator: instances, who owns which
 * number, messages, deliveries and the logs tests assert on. It speaks in Evolution API v2 terms
 * (answers and webhook payloads) but knows nothing about HTTP; `SimError` carries the HTTP status
 * and envelope message the server layer should answer with. Nothing is persisted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimEventName, SimNetworkHooks } from './network-extensions';
import type { Delivery, PresenceRecord, ReadRecord, SentRecord, SimContent } from './records';

export type { SimEventName, SimNetworkHooks } from './network-extensions';

export type { Delivery, PresenceRecord, ReadRecord, SentRecord, SimContent, SimMessageKind } from './records';

export type SimConnectionState = 'open' | 'close' | 'connecting';
export type SimPresence = 'unavailable' | 'available' | 'composing' | 'recording' | 'paused';
export const SIM_PRESENCES: readonly SimPresence[] = ['unavailable', 'available', 'composing', 'recording', 'paused'];

export interface SimWebhookConfig {
  enabled: boolean;
  url: string;
  headers: Record<string, string>;
  byEvents: boolean;
  base64: boolean;
  /** Upper snake case, e.g. MESSAGES_UPSERT; empty means every event. */
  events: string[];
}

export interface SimInstance {
  id: string;
  name: string;
  /** E.164 digits; null until a scan connects the instance (see sessions.ts). */
  phone: string | null;
  token: string;
  state: SimConnectionState;
  disconnectionReasonCode: number | null;
  disconnectionAt: string | null;
  createdAt: string;
  updatedAt: string;
  webhook: SimWebhookConfig | null;
}

/** The answer to a failed call: HTTP status and the envelope's `response.message`. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly responseMessage: unknown,
  ) {
    super(typeof responseMessage === 'string' ? responseMessage : JSON.stringify(responseMessage));
    this.name = 'SimError';
  }
}

export type EmitWebhook = (instance: SimInstance, event: SimEventName, data: unknown) => void;

interface StoredMessage extends SentRecord {
  messageType: string;
  message: Record<string, unknown>;
  deliveredTo: string | null;
  read: boolean;
}

const jid = (phone: string): string => `${phone}@s.whatsapp.net`;
const newMessageId = (): string => `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;

export class SimNetwork {
  private readonly instances = new Map<string, SimInstance>();
  private readonly messages = new Map<string, StoredMessage>();
  /** Messages waiting for their receiver to (re)connect, by receiving instance name. */
  private readonly pending = new Map<string, StoredMessage[]>();
  private readonly unregistered = new Set<string>();
  private readonly failSends = new Map<string, number>();
  private readonly failRequests = new Map<string, { count: number; status: number }>();
  private readonly sentLog: SentRecord[] = [];
  private readonly deliveryLog: Delivery[] = [];
  private readonly presenceLog: PresenceRecord[] = [];
  private readonly readLog: ReadRecord[] = [];
  private seq = 0;
  hooks: SimNetworkHooks = {};

  constructor(private readonly emit: EmitWebhook) {}

  // ---- instances ---------------------------------------------------------------------------

  /** With a phone: connected to it. Without: `close`, or `connecting` once a session waits for a scan. */
  createInstance(name: string, phone: string | null, token?: string, stateWithoutPhone: 'close' | 'connecting' = 'close'): SimInstance {
    if (this.instances.has(name)) throw new SimError(403, [`This name "${name}" is already in use.`]);
    if (phone !== null) {
      const owner = this.ownerOf(phone);
      if (owner) throw new SimError(403, [`The number is already connected on instance "${owner.name}".`]);
    }
    const at = new Date().toISOString();
    const instance: SimInstance = {
      id: randomUUID(),
      name,
      phone,
      token: token ?? randomUUID().toUpperCase(),
      state: phone === null ? stateWithoutPhone : 'open',
      disconnectionReasonCode: null,
      disconnectionAt: null,
      createdAt: at,
      updatedAt: at,
      webhook: null,
    };
    this.instances.set(name, instance);
    return instance;
  }

  get(name: string): SimInstance | undefined {
    return this.instances.get(name);
  }

  /** Evolution checks existence before auth: unknown instance is 404 whatever the key. */
  require(name: string): SimInstance {
    const instance = this.instances.get(name);
    if (!instance) throw new SimError(404, [`The "${name}" instance does not exist`]);
    return instance;
  }

  list(): SimInstance[] {
    return [...this.instances.values()];
  }

  setWebhook(name: string, config: SimWebhookConfig): SimInstance {
    const instance = this.require(name);
    instance.webhook = config;
    instance.updatedAt = new Date().toISOString();
    return instance;
  }

  /** Connection lost without the provider telling anyone (Evolution reconnects silently for most codes). */
  disconnect(name: string, statusReason: number, emit: boolean): void {
    this.close(this.require(name), statusReason, emit);
  }

  /** Reconnects an instance: announces `open` and hands over the messages that waited for it. */
  connect(name: string): void {
    const instance = this.require(name);
    if (instance.phone === null) throw new Error(`Instance '${name}' has no number; it cannot connect.`);
    instance.state = 'open';
    instance.disconnectionReasonCode = null;
    instance.updatedAt = new Date().toISOString();
    this.emit(instance, 'connection.update', {
      instance: name,
      wuid: jid(instance.phone),
      profileName: name,
      state: 'open',
      statusReason: 200,
    });
    const waiting = this.pending.get(name) ?? [];
    this.pending.delete(name);
    for (const message of waiting) this.deliver(message, instance);
    this.hooks.connected?.(instance);
  }

  /** 401 logout, 402/403/406 ban: Evolution stops reconnecting and emits `close` with the code. */
  close(instance: SimInstance, statusReason: number, emit = true): void {
    instance.state = 'close';
    instance.disconnectionReasonCode = statusReason;
    instance.disconnectionAt = new Date().toISOString();
    instance.updatedAt = instance.disconnectionAt;
    if (emit) this.emit(instance, 'connection.update', { instance: instance.name, state: 'close', statusReason });
  }

  /** Whether `number` is a WhatsApp account (valid and not marked unregistered). */
  onWhatsApp(number: string): boolean {
    const digits = digitsOf(number);
    return /^\d{8,15}$/.test(digits) && !this.unregistered.has(digits);
  }

  markUnregistered(phone: string): void {
    this.unregistered.add(digitsOf(phone));
  }

  failNextSends(name: string, count: number): void {
    this.require(name);
    this.failSends.set(name, count);
  }

  failNextRequests(name: string, count: number, status: number): void {
    this.require(name);
    this.failRequests.set(name, { count, status });
  }

  /** Consumes one injected failure for any call on the instance, if any is armed. */
  takeInjectedFailure(name: string): SimError | null {
    const armed = this.failRequests.get(name);
    if (!armed || armed.count <= 0) return null;
    armed.count -= 1;
    return new SimError(armed.status, 'Simulated provider failure');
  }

  // ---- the four calls ----------------------------------------------------------------------

  sendText(name: string, number: string, text: string): Record<string, unknown> {
    return this.send(name, number, { kind: 'text', text, messageType: 'conversation', message: { conversation: text } });
  }

  /** Any message to the chat of `number` (for a reaction, the chat of the message reacted to). */
  send(name: string, number: string, content: SimContent): Record<string, unknown> {
    const instance = this.require(name);
    const injected = this.failSends.get(name) ?? 0;
    if (injected > 0) {
      this.failSends.set(name, injected - 1);
      throw new SimError(500, 'Simulated provider failure');
    }
    // Evolution answers a closed instance's send with a thrown BadRequest carrying the Baileys error.
    this.requireOpen(instance, 400);
    if (number.endsWith('@g.us')) {
      if (!this.hooks.sendToGroup) throw new SimError(400, ['[object Object]']);
      return this.hooks.sendToGroup(instance, number, content);
    }
    // A reaction goes to the chat of its message: Baileys sends it without asking whether the number exists.
    const to = content.kind === 'reaction' ? digitsOf(number) : this.requireOnWhatsApp(number);
    const message: StoredMessage = {
      seq: ++this.seq,
      messageId: newMessageId(),
      fromInstance: name,
      fromPhone: instance.phone!,
      toPhone: to,
      kind: content.kind,
      text: content.text,
      ...(content.reactedTo ? { reactedTo: content.reactedTo } : {}),
      at: Date.now(),
      messageType: content.messageType,
      message: content.message,
      deliveredTo: null,
      read: false,
    };
    this.messages.set(message.messageId, message);
    this.sentLog.push(stripStored(message));
    const answer = {
      key: { remoteJid: jid(to), fromMe: true, id: message.messageId },
      pushName: '',
      status: 'PENDING',
      message: content.message,
      contextInfo: null,
      messageType: content.messageType,
      messageTimestamp: Math.floor(message.at / 1000),
      instanceId: instance.id,
      source: 'web',
    };
    this.emit(instance, 'send.message', answer);
    const receiver = this.ownerOf(to);
    if (receiver) {
      if (receiver.state === 'open') this.deliver(message, receiver);
      else this.pending.set(receiver.name, [...(this.pending.get(receiver.name) ?? []), message]);
    }
    return answer;
  }

  sendPresence(name: string, number: string, presence: SimPresence, delayMs: number): void {
    const instance = this.require(name);
    this.requireOpen(instance, 500);
    // Evolution sends a presence into a group without asking whether the instance is in it.
    const to = number.endsWith('@g.us') ? number : this.requireOnWhatsApp(number);
    this.presenceLog.push({ instance: name, number: to, presence, delayMs, at: Date.now() });
  }

  markRead(name: string, keys: Array<{ remoteJid: string; fromMe: boolean; id: string }>): void {
    const instance = this.require(name);
    this.requireOpen(instance, 500);
    for (const key of keys) {
      // Like Evolution: anything but user or group JIDs is dropped silently.
      if (!/@(s\.whatsapp\.net|g\.us)$/.test(key.remoteJid)) continue;
      this.readLog.push({ instance: name, remoteJid: key.remoteJid, fromMe: key.fromMe, id: key.id, at: Date.now() });
      const message = this.messages.get(key.id);
      if (!message || message.deliveredTo !== name || message.read) continue;
      message.read = true;
      const sender = this.instances.get(message.fromInstance);
      if (sender) this.emitStatus(sender, message, 'READ');
    }
  }

  connectionState(name: string): SimConnectionState {
    return this.require(name).state;
  }

  // ---- what tests look at ------------------------------------------------------------------

  sent(): SentRecord[] {
    return [...this.sentLog];
  }

  deliveries(): Delivery[] {
    return [...this.deliveryLog];
  }

  presences(): PresenceRecord[] {
    return [...this.presenceLog];
  }

  reads(): ReadRecord[] {
    return [...this.readLog];
  }

  pendingFor(name: string): number {
    return this.pending.get(name)?.length ?? 0;
  }

  /** Resolves an instance name or a phone number to the instance's phone. */
  phoneOf(nameOrPhone: string): string {
    const instance = this.instances.get(nameOrPhone);
    if (instance?.phone) return instance.phone;
    return digitsOf(nameOrPhone);
  }

  // ---- internals ---------------------------------------------------------------------------

  private deliver(message: StoredMessage, receiver: SimInstance): void {
    message.deliveredTo = receiver.name;
    this.deliveryLog.push({
      seq: message.seq,
      messageId: message.messageId,
      fromInstance: message.fromInstance,
      toInstance: receiver.name,
      fromPhone: message.fromPhone,
      toPhone: message.toPhone,
      kind: message.kind,
      text: message.text,
      ...(message.reactedTo ? { reactedTo: message.reactedTo } : {}),
      at: Date.now(),
    });
    this.emit(receiver, 'messages.upsert', {
      key: { remoteJid: jid(message.fromPhone), fromMe: false, id: message.messageId },
      pushName: message.fromInstance,
      status: 'DELIVERY_ACK',
      message: message.message,
      messageType: message.messageType,
      messageTimestamp: Math.floor(message.at / 1000),
      instanceId: receiver.id,
      source: 'android',
    });
    const sender = this.instances.get(message.fromInstance);
    if (sender) this.emitStatus(sender, message, 'DELIVERY_ACK');
    this.hooks.delivered?.(receiver, { remoteJid: jid(message.fromPhone), fromMe: false, id: message.messageId });
  }

  private emitStatus(sender: SimInstance, message: StoredMessage, status: 'DELIVERY_ACK' | 'READ'): void {
    this.emit(sender, 'messages.update', {
      messageId: randomUUID(),
      keyId: message.messageId,
      remoteJid: jid(message.toPhone),
      fromMe: true,
      participant: null,
      status,
      instanceId: sender.id,
    });
  }

  private requireOpen(instance: SimInstance, closedStatus: 400 | 500): void {
    if (instance.state === 'open' && instance.phone !== null) return;
    throw closedStatus === 400 ? new SimError(400, ['Error: Connection Closed']) : new SimError(500, 'Connection Closed');
  }

  private requireOnWhatsApp(number: string): string {
    const digits = digitsOf(number);
    if (!/^\d{8,15}$/.test(digits) || this.unregistered.has(digits)) {
      throw new SimError(400, [{ jid: jid(digits), exists: false, number }]);
    }
    return digits;
  }

  private ownerOf(phone: string): SimInstance | undefined {
    for (const instance of this.instances.values()) if (instance.phone === phone) return instance;
    return undefined;
  }
}

/** The server strips '+' and punctuation, like Evolution does. */
export function digitsOf(number: string): string {
  return String(number).replace(/@.*$/, '').replace(/\D/g, '');
}

function stripStored(message: StoredMessage): SentRecord {
  const { deliveredTo: _d, read: _r, messageType: _t, message: _m, ...record } = message;
  return record;
}
