import type {
  AlertsPort,
  ChipsPort,
  ConsoleReadsPort,
  FleetBreakerPort,
  GroupsPort,
  OutboxPort,
  PairsPort,
  ProfileChecklistPort,
  StandingPort,
  StatusPostsPort,
  TurnsPort,
} from '../adapters/db/port';
import type { DialogueSource } from '../adapters/dialogue/port';
import type { MediaLibrary } from '../adapters/media/media-library';
import type { ProfilePhotos } from '../adapters/media/profile-photos';
import type { Profile } from '../adapters/messaging/profile-port';
import type { Groups } from '../adapters/messaging/group-port';
import type { Messaging } from '../adapters/messaging/port';
import type { Notifier } from '../adapters/notify/port';
import type { StatusPosts } from '../adapters/messaging/status-port';
import type { EventsDeps } from './events';
import type { ReserveAnswer, ReserveRequest } from './types';

/** Asks another chip's workflow to take part in a conversation (a Temporal Update in the worker). */
export interface ChipDirectory {
  reserve(partnerChipId: string, request: ReserveRequest): Promise<ReserveAnswer>;
  /** Tells a partner a conversation it was reserved for is over. Absent: the partner frees itself when its lease ends. */
  release?(partnerChipId: string, conversationId: string): Promise<void>;
}

export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/**
 * The database as the activities see it: the concerns they record and read. Not its lifecycle (the
 * process that opened it closes it), the provider's facts (the webhooks') nor the operators' audit trail.
 */
export type ActivityDb = ChipsPort &
  AlertsPort &
  PairsPort &
  TurnsPort &
  FleetBreakerPort &
  StandingPort &
  OutboxPort &
  ConsoleReadsPort &
  ProfileChecklistPort &
  StatusPostsPort &
  GroupsPort;

export interface ActivityDeps {
  db: ActivityDb;
  messaging: Messaging;
  /** The provider's group routes; absent: taken from `messaging` when it has them, else no group conversations. */
  groups?: Groups;
  notifier: Notifier;
  dialogues: DialogueSource;
  chips: ChipDirectory;
  /** Real ms per program day and the program epoch, for day strings computed outside workflows. */
  clock: { dayMs: number; epochMs: number };
  /** Sleeps inside an activity (think time); tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  /** A turn's budget when deliverTurn runs outside an activity (inside one, its start-to-close timeout). */
  turnTimeoutMs?: number;
  log?: Logger;
  /** Stickers, photos and voice notes turns may send; default: the built-in library. */
  media?: MediaLibrary;
  /** The profile checklist's provider calls; default: the messaging adapter when it sets profiles (Evolution). */
  profile?: Profile;
  /** The profile photos (WARMER_PROFILE_PHOTOS_DIR); default: the built-in library. */
  profilePhotos?: ProfilePhotos;
  /** The provider's status route; default: the messaging client's own, when it has one. */
  statusPosts?: StatusPosts;
  /** Outbound events (WARMER_EVENTS_URL); absent or without URLs: none are recorded or sent. */
  events?: EventsDeps;
}
