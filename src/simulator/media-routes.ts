/**
 * TEST / DEMO ONLY. The simulator's answers to Evolution v2's non-text sends: reaction, sticker,
 * media (image) and WhatsApp audio (voice note). Validation follows Evolution's own, in its order:
 * instance and key guards, then the JSON schema (src/validate/message.schema.ts), then
 * SendMessageController's checks (single emoji; "Owned media must be a url or base64"), then the
 * conversion the provider runs on the bytes (sharp for pictures, ffmpeg for audio), which fails
 * with a 500 on bytes that are not a picture or a sound. URLs are accepted but never fetched.
 */
import { isSingleEmoji } from '../domain/message-mix';
import { SimError, type SimContent, digitsOf } from './network';
import type { Route, RouteContext } from './routes';
import { requireProps, requireType } from './validate';

const MEDIA_TYPES = ['image', 'document', 'video', 'audio'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_LIKE = /^https?:\/\/[^\s/$.?#][^\s]*$/;

type Source = { url: string } | { bytes: Buffer };

/** URL or plain base64, like class-validator's isURL / isBase64; anything else is a 400. */
export function mediaSource(value: unknown, refusal: string): Source {
  if (typeof value === 'string' && URL_LIKE.test(value)) return { url: value };
  if (typeof value === 'string' && value.length % 4 === 0 && BASE64.test(value)) return { bytes: Buffer.from(value, 'base64') };
  throw new SimError(400, [refusal]);
}

export function isPicture(bytes: Buffer): boolean {
  const ascii = bytes.subarray(0, 12).toString('latin1');
  return (
    bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])) ||
    bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') ||
    ascii.startsWith('GIF8')
  );
}

function isSound(bytes: Buffer): boolean {
  const ascii = bytes.subarray(0, 12).toString('latin1');
  return (
    ascii.startsWith('OggS') ||
    ascii.startsWith('ID3') ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WAVE') ||
    ascii.slice(4, 8) === 'ftyp'
  );
}

/** Seconds of an Ogg Opus stream (last granule less the pre-skip), 0 if it cannot tell. */
function oggSeconds(bytes: Buffer): number {
  const last = bytes.lastIndexOf('OggS');
  const head = bytes.indexOf('OpusHead');
  if (last < 0 || head < 0 || last + 14 > bytes.length || head + 12 > bytes.length) return 0;
  return Math.max(0, Math.round((Number(bytes.readBigUInt64LE(last + 6)) - bytes.readUInt16LE(head + 10)) / 48_000));
}

/** What WhatsApp's CDN fields look like in the answer; the bytes themselves stay here. */
function stored(source: Source, mimetype: string): Record<string, unknown> {
  const length = 'bytes' in source ? source.bytes.length : 0;
  return { url: `https://mmg.whatsapp.net/sim/${Date.now().toString(36)}.enc`, mimetype, fileLength: String(length) };
}

export function createMediaRoutes(ctx: RouteContext): Route[] {
  const { network, guard } = ctx;
  const post = (name: string, handle: (instance: string, body: Record<string, unknown>) => Record<string, unknown>): Route => ({
    method: 'POST',
    path: new RegExp(`^/message/${name}/([^/]+)$`),
    handler: async (req, body, { instance }) => {
      guard(req, instance);
      return [201, handle(instance, body as Record<string, unknown>)];
    },
  });

  const send = (instance: string, number: string, content: SimContent) => network.send(instance, number, content);

  return [
    post('sendReaction', (instance, body) => {
      requireProps(body, ['key', 'reaction']);
      requireProps(body.key, ['id', 'remoteJid', 'fromMe'], 'instance.key');
      const key = body.key as Record<string, unknown>;
      for (const prop of ['id', 'remoteJid'] as const) {
        if (typeof key[prop] !== 'string') throw new SimError(400, [[`instance.key.${prop} is not of a type(s) string`]]);
        if ((key[prop] as string).length === 0) throw new SimError(400, [[`instance.key.${prop} does not meet minimum length of 1`]]);
      }
      if (typeof key.fromMe !== 'boolean') throw new SimError(400, [['instance.key.fromMe is not of a type(s) boolean']]);
      const reaction = requireType(body, 'reaction', 'string') as string;
      if (reaction !== '' && !isSingleEmoji(reaction)) throw new SimError(400, ['Reaction must be a single emoji or empty string']);
      const target = { remoteJid: key.remoteJid as string, fromMe: key.fromMe, id: key.id as string };
      // A reaction in a group goes to the group's chat.
      const chat = target.remoteJid.endsWith('@g.us') ? target.remoteJid : digitsOf(target.remoteJid);
      return send(instance, chat, {
        kind: 'reaction',
        text: reaction,
        messageType: 'reactionMessage',
        message: { reactionMessage: { key: target, text: reaction, senderTimestampMs: String(Date.now()) } },
        reactedTo: target.id,
      });
    }),

    post('sendSticker', (instance, body) => {
      requireProps(body, ['number']);
      const number = requireType(body, 'number', 'string') as string;
      const source = mediaSource(body.sticker, 'Owned media must be a url or base64');
      if ('bytes' in source && !isPicture(source.bytes)) throw new SimError(500, ['Input buffer contains unsupported image format']);
      const message = { stickerMessage: { ...stored(source, 'image/webp'), isAnimated: false } };
      return send(instance, number, { kind: 'sticker', text: '', messageType: 'stickerMessage', message });
    }),

    post('sendMedia', (instance, body) => {
      requireProps(body, ['number', 'mediatype']);
      const number = requireType(body, 'number', 'string') as string;
      const mediatype = requireType(body, 'mediatype', 'string') as string;
      if (!MEDIA_TYPES.includes(mediatype)) {
        throw new SimError(400, [[`instance.mediatype is not one of enum values: ${MEDIA_TYPES.join(',')}`]]);
      }
      for (const prop of ['mimetype', 'fileName', 'caption']) {
        if (body[prop] !== undefined && typeof body[prop] !== 'string')
          throw new SimError(400, [[`instance.${prop} is not of a type(s) string`]]);
      }
      if (typeof body.media === 'string' && BASE64.test(body.media) && !body.fileName && mediatype === 'document') {
        throw new SimError(400, ['For base64 the file name must be informed.']);
      }
      const source = mediaSource(body.media, 'Owned media must be a url or base64');
      // Warm-up only sends pictures; the simulator keeps the other media types out rather than fake them.
      if (mediatype !== 'image') throw new SimError(400, [`The simulator only sends mediatype image, got ${mediatype}`]);
      if ('bytes' in source && !isPicture(source.bytes)) throw new SimError(500, ['Input buffer contains unsupported image format']);
      const caption = typeof body.caption === 'string' ? body.caption : '';
      const mimetype = typeof body.mimetype === 'string' ? body.mimetype : 'image/jpeg';
      const message = { imageMessage: { ...stored(source, mimetype), caption } };
      return send(instance, number, { kind: 'image', text: caption, messageType: 'imageMessage', message });
    }),

    post('sendWhatsAppAudio', (instance, body) => {
      requireProps(body, ['number']);
      const number = requireType(body, 'number', 'string') as string;
      const source = mediaSource(body.audio, 'Owned media must be a url, base64, or valid file with buffer');
      if ('bytes' in source && !isSound(source.bytes)) throw new SimError(500, ['Invalid data found when processing input']);
      const seconds = 'bytes' in source ? oggSeconds(source.bytes) : 0;
      const message = { audioMessage: { ...stored(source, 'audio/ogg; codecs=opus'), seconds, ptt: true } };
      return send(instance, number, { kind: 'audio', text: '', messageType: 'audioMessage', message });
    }),
  ];
}
