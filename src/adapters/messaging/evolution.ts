/**
 * Evolution API v2 client (the contract as v2.3.6–2.3.7 behaves): messaging, profile, groups and
 * status posts over the shared machinery of evolution-http.ts (errors, retries, deadlines).
 *
 * Idempotent calls are retried a bounded number of times; sends (text, reaction, sticker, image,
 * voice note, group create, status post) never are, because the caller owns at-most-once delivery.
 * Every send that takes a number also takes a group JID (`…@g.us`); a send from an instance that
 * is not in that group fails with NotGroupMember.
 */
import { InvalidInput } from '../../domain/errors';
import { isSingleEmoji } from '../../domain/message-mix';
import { maskPhone, normalizePhone, phoneToJid } from '../../domain/phone';
import { toDestination } from './destination';
import { type Call, type EvolutionClientOptions, createEvolutionHttp, field, parseSentMessage } from './evolution-http';
import { createEvolutionGroups, notGroupMember } from './evolution-groups';
import { createEvolutionProfile } from './evolution-profile';
import { createEvolutionStatus } from './evolution-status';
import type { Groups } from './group-port';
import type { CallLimits, ConnectionState, MessageKey, Messaging, Presence, SentMessage } from './port';
import type { Profile } from './profile-port';
import { ProviderUnavailable } from './provider-unavailable';
import type { StatusPosts } from './status-port';

export type { EvolutionClientOptions } from './evolution-http';

/** Webhook event names as `POST /webhook/set` expects them. */
export const EVOLUTION_WEBHOOK_EVENTS = [
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'CONNECTION_UPDATE',
  'STATUS_INSTANCE',
  'LOGOUT_INSTANCE',
  'CALL',
] as const;

export interface WebhookSettings {
  url: string;
  /** Sent with every delivery — where the shared secret goes. */
  headers?: Record<string, string>;
  /** Defaults to EVOLUTION_WEBHOOK_EVENTS. */
  events?: readonly string[];
  /** Append `/<event-name>` (e.g. /messages-upsert) to the URL. Default false. */
  byEvents?: boolean;
}

export interface EvolutionClient extends Messaging, Profile, Groups, StatusPosts {
  setWebhook(instance: string, settings: WebhookSettings): Promise<void>;
}

const PRESENCES: readonly Presence[] = ['unavailable', 'available', 'composing', 'recording', 'paused'];
const CONNECTION_STATES: readonly ConnectionState[] = ['open', 'close', 'connecting'];

export function createEvolutionClient(options: EvolutionClientOptions): EvolutionClient {
  const http = createEvolutionHttp(options);
  const { timeoutMs, send } = http;

  /** A send to a number or a group (never retried here: the caller owns at-most-once delivery). */
  async function postMessage(
    action: string,
    instance: string,
    number: string,
    fields: Record<string, unknown>,
    limits: CallLimits | undefined,
  ): Promise<SentMessage> {
    const to = toDestination(number);
    const call: Call = {
      method: 'POST',
      action,
      instance,
      body: { number: to.number, ...fields },
      timeoutMs,
      idempotent: false,
      maskedNumber: to.masked,
      limits,
      ...(to.group ? { refine: notGroupMember(instance, to.masked) } : {}),
    };
    const { status, body } = await send(call);
    return parseSentMessage(call, status, body);
  }

  return {
    ...createEvolutionProfile(http),
    ...createEvolutionGroups(http),
    ...createEvolutionStatus(http),

    sendText: (instance, number, text, limits) => postMessage('/message/sendText', instance, number, { text }, limits),

    // The shapes of the four calls below are Evolution v2's own (src/validate/message.schema.ts:
    // reactionMessageSchema, stickerMessageSchema, mediaMessageSchema, audioMessageSchema; DTOs in
    // src/api/dto/sendMessage.dto.ts; routes in src/api/routes/sendMessage.router.ts, answered 201).
    // Media go inline as plain base64: SendMessageController refuses anything that is neither a URL
    // nor base64 with 400 "Owned media must be a url or base64".
    async sendReaction(instance, key, emoji, limits) {
      // The controller answers 400 "Reaction must be a single emoji or empty string" otherwise.
      if (!isSingleEmoji(emoji)) throw new InvalidInput(`A reaction must be one emoji, got '${emoji}'.`);
      const { remoteJid } = toReadKey(key);
      const masked = maskPhone(remoteJid.replace(/@.*$/, ''));
      const call: Call = {
        method: 'POST',
        action: '/message/sendReaction',
        instance,
        body: { key: { remoteJid, fromMe: key.fromMe, id: key.id }, reaction: emoji },
        timeoutMs,
        idempotent: false,
        maskedNumber: masked,
        limits,
        ...(remoteJid.endsWith('@g.us') ? { refine: notGroupMember(instance, masked) } : {}),
      };
      const { status, body } = await send(call);
      return parseSentMessage(call, status, body);
    },

    sendSticker: (instance, number, sticker, limits) => postMessage('/message/sendSticker', instance, number, { sticker }, limits),

    sendImage: (instance, number, image, limits) =>
      postMessage(
        '/message/sendMedia',
        instance,
        number,
        {
          mediatype: 'image',
          mimetype: image.mimetype,
          media: image.base64,
          fileName: image.fileName,
          ...(image.caption ? { caption: image.caption } : {}),
        },
        limits,
      ),

    sendVoiceNote: (instance, number, audio, limits) => postMessage('/message/sendWhatsAppAudio', instance, number, { audio }, limits),

    async sendPresence(instance, number, presence, delayMs, limits) {
      if (!PRESENCES.includes(presence)) throw new InvalidInput(`Unknown presence '${presence}'.`);
      const to = toDestination(number);
      const delay = Math.max(0, Math.round(delayMs));
      // The provider holds the call for `delay`, so the budget is the hold plus the usual timeout.
      await send({
        method: 'POST',
        action: '/chat/sendPresence',
        instance,
        body: { number: to.number, presence, delay },
        timeoutMs: timeoutMs + delay,
        idempotent: true,
        maskedNumber: to.masked,
        limits,
      });
    },

    async markRead(instance, keys, limits) {
      if (keys.length === 0) return; // the provider requires at least one key
      await send({
        method: 'POST',
        action: '/chat/markMessageAsRead',
        instance,
        body: { readMessages: keys.map(toReadKey) },
        timeoutMs,
        idempotent: true,
        limits,
      });
    },

    async connectionState(instance, limits) {
      const call: Call = { method: 'GET', action: '/instance/connectionState', instance, timeoutMs, idempotent: true, limits };
      const { status, body } = await send(call);
      const state = field(field(body, 'instance'), 'state');
      if (typeof state !== 'string') {
        throw new ProviderUnavailable(`connectionState for '${instance}' answered without instance.state.`, 'bad_response', status);
      }
      // Anything outside the three documented states (e.g. "refused" after the QR limit) is not usable.
      return (CONNECTION_STATES as readonly string[]).includes(state) ? (state as ConnectionState) : 'close';
    },

    async setWebhook(instance, settings) {
      await send({
        method: 'POST',
        action: '/webhook/set',
        instance,
        body: {
          webhook: {
            enabled: true,
            url: settings.url,
            headers: settings.headers ?? {},
            byEvents: settings.byEvents ?? false,
            base64: false,
            events: [...(settings.events ?? EVOLUTION_WEBHOOK_EVENTS)],
          },
        },
        timeoutMs,
        idempotent: true,
      });
    },
  };
}

function toReadKey(key: MessageKey): MessageKey {
  // Accept plain digits too; the provider silently drops anything that is not a user or group JID.
  const remoteJid = key.remoteJid.includes('@') ? key.remoteJid : phoneToJid(normalizePhone(key.remoteJid));
  return { remoteJid, fromMe: key.fromMe, id: key.id };
}
