/**
 * TEST / DEMO ONLY. Status posts in the simulated network. A post reaches the instances named in its
 * `statusJidList` as full user JIDs (`messages.upsert` with `remoteJid: status@broadcast` and the poster
 * as `participant`); an entry that is not a user JID reaches nobody, silently. A viewer whose settings
 * read messages on arrival views it; nothing else can (Evolution's markMessageAsRead drops
 * status@broadcast keys) and the poster hears nothing back (no webhook carries status receipts).
 */
import { newSimMessageId, SimFanOut } from './fan-out';
import type { EmitWebhook, SimInstance, SimNetwork } from './network';
import type { SimProfiles } from './profiles';

export interface StatusPostRecord {
  messageId: string;
  instance: string;
  phone: string;
  type: 'text' | 'image';
  content: string;
  caption?: string;
  backgroundColor?: string;
  font?: number;
  /** As the request gave it. */
  statusJidList: string[];
  allContacts: boolean;
  at: number;
  deliveredTo: string[];
  viewedBy: string[];
}

interface StoredPost extends StatusPostRecord {
  messageType: string;
  message: Record<string, unknown>;
}

const USER_JID = /^(\d{8,15})@s\.whatsapp\.net$/;

export class SimStatusPosts {
  private readonly log: StoredPost[] = [];
  private readonly fanOut = new SimFanOut<StoredPost>((post, viewer) => this.deliver(post, viewer));

  constructor(
    private readonly network: SimNetwork,
    private readonly emit: EmitWebhook,
    private readonly profiles: SimProfiles,
  ) {}

  post(
    poster: SimInstance,
    post: Omit<StatusPostRecord, 'messageId' | 'instance' | 'phone' | 'at' | 'deliveredTo' | 'viewedBy'>,
  ): Record<string, unknown> {
    const [messageType, message] =
      post.type === 'text'
        ? [
            'extendedTextMessage',
            { extendedTextMessage: { text: post.content, backgroundArgb: argb(post.backgroundColor), font: post.font } },
          ]
        : [
            'imageMessage',
            { imageMessage: { url: 'https://mmg.whatsapp.net/sim/status.enc', mimetype: 'image/jpeg', caption: post.caption ?? '' } },
          ];
    const stored: StoredPost = {
      ...post,
      statusJidList: [...post.statusJidList],
      messageId: newSimMessageId(),
      instance: poster.name,
      phone: poster.phone!,
      at: Date.now(),
      deliveredTo: [],
      viewedBy: [],
      messageType,
      message,
    };
    this.log.push(stored);
    const answer = {
      key: { remoteJid: 'status@broadcast', fromMe: true, id: stored.messageId },
      pushName: '',
      status: 'PENDING',
      message,
      messageType,
      messageTimestamp: Math.floor(stored.at / 1000),
      instanceId: poster.id,
      source: 'web',
    };
    this.emit(poster, 'send.message', answer);
    const viewers = new Set(post.statusJidList.flatMap((entry) => USER_JID.exec(entry)?.[1] ?? []));
    for (const viewer of this.network.list()) {
      if (viewer.phone !== null && viewer.phone !== poster.phone && viewers.has(viewer.phone)) this.fanOut.send(stored, viewer);
    }
    return answer;
  }

  connected(instance: SimInstance): void {
    this.fanOut.connected(instance);
  }

  list(): StatusPostRecord[] {
    return this.log.map(({ messageType: _t, message: _m, ...record }) => ({
      ...record,
      statusJidList: [...record.statusJidList],
      deliveredTo: [...record.deliveredTo],
      viewedBy: [...record.viewedBy],
    }));
  }

  private deliver(post: StoredPost, viewer: SimInstance): void {
    post.deliveredTo.push(viewer.name);
    this.emit(viewer, 'messages.upsert', {
      key: { remoteJid: 'status@broadcast', fromMe: false, id: post.messageId, participant: `${post.phone}@s.whatsapp.net` },
      pushName: post.instance,
      status: 'DELIVERY_ACK',
      message: post.message,
      messageType: post.messageType,
      messageTimestamp: Math.floor(post.at / 1000),
      instanceId: viewer.id,
      source: 'android',
    });
    // Evolution's readMessages setting reads every arrival, statuses included (its readStatus never fires).
    if (this.profiles.settings(viewer.name).readMessages) post.viewedBy.push(viewer.name);
  }
}

/** `#RRGGBB` as Baileys turns it into an opaque ARGB number (0 when it cannot read it). */
function argb(colour: string | undefined): number {
  const hex = (colour ?? '').trim().replace(/^#/, '');
  const value = parseInt(`FF${hex.padStart(6, '0')}`, 16);
  return /^[0-9A-Fa-f]{1,6}$/.test(hex) && Number.isFinite(value) ? value : 0;
}
