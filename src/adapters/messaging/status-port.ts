/**
 * Status posts ("stories") as Warmer makes them (Evolution API v2's /message/sendStatus). A post names
 * its viewers: the provider's `allContacts: true` is broken upstream, so it is never sent.
 */
import type { CallLimits, SentMessage } from './port';

/** WhatsApp's text-status fonts; the provider refuses 0 although its docs list 0 to 5. */
export const STATUS_FONTS = [1, 2, 3, 4, 5] as const;
export type StatusFont = (typeof STATUS_FONTS)[number];

export interface TextStatus {
  type: 'text';
  /** The words shown on the coloured background. */
  content: string;
  /** `#RRGGBB`. */
  backgroundColor: string;
  font: StatusFont;
}

export interface ImageStatus {
  type: 'image';
  /** An http(s) URL the provider can fetch: it cannot post an image status from base64. */
  content: string;
  caption?: string;
}

export type StatusPost = (TextStatus | ImageStatus) & {
  /** Who may see it: `<digits>@s.whatsapp.net` JIDs (or E.164 digits, turned into JIDs); at least one. */
  statusJidList: string[];
};

export interface StatusPosts {
  /** Never retried here (a retry could post twice); the answer's key.remoteJid is `status@broadcast`. */
  sendStatus(instance: string, post: StatusPost, limits?: CallLimits): Promise<SentMessage>;
}
