/**
 * A chip's profile and account settings as Warmer sets them up (Evolution API v2's /chat/updateProfile*,
 * /chat/updatePrivacySettings and /settings/set). Every call is idempotent: applying the same value
 * again changes nothing, so a checklist step may be retried or re-run freely.
 */
import type { CallLimits } from './port';

/** Who sees a piece of the profile, in the provider's own words. */
export const PRIVACY_AUDIENCES = ['all', 'contacts', 'contact_blacklist', 'none'] as const;
export type PrivacyAudience = (typeof PRIVACY_AUDIENCES)[number];
export const READ_RECEIPTS_PRIVACY = ['all', 'none'] as const;
export const ONLINE_PRIVACY = ['all', 'match_last_seen'] as const;

/** All six are required by the provider on every update. */
export interface PrivacySettings {
  readreceipts: (typeof READ_RECEIPTS_PRIVACY)[number];
  /** Profile photo. */
  profile: PrivacyAudience;
  /** Status posts. */
  status: PrivacyAudience;
  online: (typeof ONLINE_PRIVACY)[number];
  /** Last seen. */
  last: PrivacyAudience;
  /** Who may add the chip to groups. */
  groupadd: PrivacyAudience;
}

/**
 * The instance's own behaviour at the provider. The six booleans are all required by `/settings/set`.
 * `readMessages: true` makes the provider mark every incoming message read at once (statuses and
 * groups included), which defeats paced reads; `readStatus` does nothing in Evolution v2.3.6.
 */
export interface InstanceSettings {
  rejectCall: boolean;
  /** Texted to every caller as the call comes in (whether or not it is rejected); empty or absent sends nothing. */
  msgCall?: string;
  groupsIgnore: boolean;
  alwaysOnline: boolean;
  readMessages: boolean;
  readStatus: boolean;
  syncFullHistory: boolean;
}

/** WhatsApp's own limits: a profile name of 25 characters, an about text of 139. */
export const PROFILE_NAME_MAX_CHARS = 25;
export const PROFILE_ABOUT_MAX_CHARS = 139;

export interface Profile {
  updateProfileName(instance: string, name: string, limits?: CallLimits): Promise<void>;
  /** The "about" text under the name. */
  updateProfileStatus(instance: string, about: string, limits?: CallLimits): Promise<void>;
  /**
   * `picture`: a URL the provider can fetch, or raw base64 of a JPEG/PNG. A `data:` URI is refused
   * here (the provider fails on it with a 500).
   */
  updateProfilePicture(instance: string, picture: string, limits?: CallLimits): Promise<void>;
  updatePrivacySettings(instance: string, settings: PrivacySettings, limits?: CallLimits): Promise<void>;
  setInstanceSettings(instance: string, settings: InstanceSettings, limits?: CallLimits): Promise<void>;
}
