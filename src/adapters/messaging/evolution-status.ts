/**
 * Status posts through Evolution API v2's POST /message/sendStatus (v2.3.6: statusMessageSchema in
 * src/validate/message.schema.ts, formatStatusMessage in whatsapp.baileys.service.ts).
 *
 * What the provider does not check, or checks wrongly, is checked here: `font: 0` is refused there as
 * "Font is required" although its schema allows 0 to 5; an image status's content is handed to
 * WhatsApp as a URL to fetch, so base64 fails; `allContacts: true` is broken upstream (issues #672,
 * #1090), so the viewers are always named and `allContacts` is always false.
 */
import { InvalidInput } from '../../domain/errors';
import { normalizePhone, phoneToJid } from '../../domain/phone';
import { type Call, type EvolutionHttp, parseSentMessage } from './evolution-http';
import { STATUS_FONTS, type StatusPost, type StatusPosts } from './status-port';

const USER_JID = /^(\d{8,15})@s\.whatsapp\.net$/;
const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;
const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
/** WhatsApp's limit on a text status. */
export const STATUS_TEXT_MAX_CHARS = 700;

export function createEvolutionStatus(http: EvolutionHttp): StatusPosts {
  return {
    async sendStatus(instance, post, limits) {
      const call: Call = {
        method: 'POST',
        action: '/message/sendStatus',
        instance,
        body: statusBody(post),
        timeoutMs: http.timeoutMs,
        idempotent: false,
        limits,
      };
      const { status, body } = await http.send(call);
      return parseSentMessage(call, status, body);
    },
  };
}

function statusBody(post: StatusPost): Record<string, unknown> {
  const statusJidList = viewers(post?.statusJidList);
  const content: unknown = post?.content;
  if (typeof content !== 'string' || content.trim().length === 0) throw new InvalidInput('A status post needs a non-empty content.');
  if (post.type === 'text') {
    const chars = [...content].length;
    if (chars > STATUS_TEXT_MAX_CHARS) {
      throw new InvalidInput(`A text status has ${chars} characters; WhatsApp allows at most ${STATUS_TEXT_MAX_CHARS}.`);
    }
    if (typeof post.backgroundColor !== 'string' || !HEX_COLOUR.test(post.backgroundColor)) {
      throw new InvalidInput(`A text status needs a backgroundColor as #RRGGBB; got ${JSON.stringify(post.backgroundColor)}.`);
    }
    if (!(STATUS_FONTS as readonly unknown[]).includes(post.font)) {
      throw new InvalidInput(`A text status needs a font from 1 to 5 (the provider refuses 0); got ${JSON.stringify(post.font)}.`);
    }
    return { type: 'text', content, backgroundColor: post.backgroundColor, font: post.font, statusJidList, allContacts: false };
  }
  if (post.type === 'image') {
    if (!HTTP_URL.test(content)) {
      throw new InvalidInput('An image status needs an http(s) URL the provider can fetch; it cannot post one from base64 or a data: URI.');
    }
    const caption: unknown = post.caption;
    if (caption !== undefined && typeof caption !== 'string') throw new InvalidInput('A status caption must be a text.');
    return { type: 'image', content, ...(caption ? { caption } : {}), statusJidList, allContacts: false };
  }
  throw new InvalidInput(`A status post is 'text' or 'image'; got ${JSON.stringify((post as { type?: unknown })?.type)}.`);
}

/**
 * Full user JIDs, each once. A JID goes as given (WhatsApp still writes some older Brazilian accounts
 * without the ninth digit, and the viewer must be named as WhatsApp knows it); E.164 digits become
 * `<digits>@s.whatsapp.net`; anything else is refused.
 */
function viewers(list: unknown): string[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidInput('A status post must name its viewers in statusJidList (at least one); allContacts is never used.');
  }
  const jids = list.map((entry) => {
    const value = String(entry).trim();
    if (USER_JID.test(value)) return value;
    if (value.includes('@')) {
      throw new InvalidInput(
        `A status viewer must be a user JID (<digits>@s.whatsapp.net); '${value.replace(/\d(?=\d{4})/g, '*')}' is not.`,
      );
    }
    return phoneToJid(normalizePhone(value));
  });
  return [...new Set(jids)];
}
