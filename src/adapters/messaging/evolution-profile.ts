/**
 * The profile and settings calls of Evolution API v2 (v2.3.6's chat.router.ts and settings.router.ts;
 * schemas in src/validate/chat.schema.ts and settings.schema.ts). All idempotent, so all retried.
 *
 * The provider checks little itself: its "cannot be empty" rules fire only when the body has no
 * other key, and a picture that is neither a URL nor plain base64 (a `data:` URI) fails with a 500
 * that looks like an outage. Every value is therefore checked here first, with a clear InvalidInput.
 */
import { InvalidInput } from '../../domain/errors';
import type { Call, EvolutionHttp } from './evolution-http';
import type { CallLimits } from './port';
import {
  ONLINE_PRIVACY,
  PRIVACY_AUDIENCES,
  PROFILE_ABOUT_MAX_CHARS,
  PROFILE_NAME_MAX_CHARS,
  READ_RECEIPTS_PRIVACY,
  type InstanceSettings,
  type PrivacySettings,
  type Profile,
} from './profile-port';

const PRIVACY_FIELDS: ReadonlyArray<[keyof PrivacySettings, readonly string[]]> = [
  ['readreceipts', READ_RECEIPTS_PRIVACY],
  ['profile', PRIVACY_AUDIENCES],
  ['status', PRIVACY_AUDIENCES],
  ['online', ONLINE_PRIVACY],
  ['last', PRIVACY_AUDIENCES],
  ['groupadd', PRIVACY_AUDIENCES],
];

const SETTINGS_FLAGS = ['rejectCall', 'groupsIgnore', 'alwaysOnline', 'readMessages', 'readStatus', 'syncFullHistory'] as const;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
/** The message body stays well under the provider's request limit. */
const MAX_PICTURE_BASE64_CHARS = 8 * 1024 * 1024;

export function createEvolutionProfile(http: EvolutionHttp): Profile {
  const post = async (action: string, instance: string, body: Record<string, unknown>, limits?: CallLimits): Promise<void> => {
    const call: Call = { method: 'POST', action, instance, body, timeoutMs: http.timeoutMs, idempotent: true, limits };
    await http.send(call);
  };

  // Async, so that a refused value rejects the returned promise rather than throwing at the call.
  return {
    async updateProfileName(instance, name, limits) {
      await post('/chat/updateProfileName', instance, { name: profileText('profile name', name, PROFILE_NAME_MAX_CHARS) }, limits);
    },
    async updateProfileStatus(instance, about, limits) {
      await post('/chat/updateProfileStatus', instance, { status: profileText('about text', about, PROFILE_ABOUT_MAX_CHARS) }, limits);
    },
    async updateProfilePicture(instance, picture, limits) {
      await post('/chat/updateProfilePicture', instance, { picture: profilePicture(picture) }, limits);
    },
    async updatePrivacySettings(instance, settings, limits) {
      await post('/chat/updatePrivacySettings', instance, privacyBody(settings), limits);
    },
    // The provider stores settings without touching WhatsApp, so this works on a closed instance too.
    async setInstanceSettings(instance, settings, limits) {
      await post('/settings/set', instance, settingsBody(settings), limits);
    },
  };
}

function profileText(what: string, value: unknown, maxChars: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidInput(`The ${what} must be a non-empty text.`);
  const text = value.trim();
  const chars = [...text].length;
  if (chars > maxChars) throw new InvalidInput(`The ${what} has ${chars} characters; WhatsApp allows at most ${maxChars}.`);
  return text;
}

function profilePicture(picture: unknown): string {
  if (typeof picture !== 'string' || picture.length === 0) throw new InvalidInput('A profile picture must be a URL or base64 text.');
  if (/^data:/i.test(picture)) {
    throw new InvalidInput(
      "A profile picture as a data: URI fails at the provider (500): send the base64 after the 'base64,' prefix, or a URL it can fetch.",
    );
  }
  if (HTTP_URL.test(picture)) return picture;
  if (picture.length > MAX_PICTURE_BASE64_CHARS) {
    throw new InvalidInput(`A profile picture of ${picture.length} base64 characters is too large; send a smaller JPEG or a URL.`);
  }
  if (picture.length % 4 !== 0 || !BASE64.test(picture)) {
    throw new InvalidInput('A profile picture must be an http(s) URL or plain base64 (no spaces, no line breaks, no prefix).');
  }
  return picture;
}

function privacyBody(settings: PrivacySettings): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [name, allowed] of PRIVACY_FIELDS) {
    const value: unknown = (settings as unknown as Record<string, unknown>)?.[name];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw new InvalidInput(`Privacy setting '${name}' must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
    }
    body[name] = value;
  }
  return body;
}

function settingsBody(settings: InstanceSettings): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of SETTINGS_FLAGS) {
    const value: unknown = (settings as unknown as Record<string, unknown>)?.[name];
    if (typeof value !== 'boolean') {
      throw new InvalidInput(
        `Instance setting '${name}' must be true or false (the provider requires all six); got ${JSON.stringify(value)}.`,
      );
    }
    body[name] = value;
  }
  const msgCall: unknown = settings.msgCall;
  if (msgCall !== undefined) {
    if (typeof msgCall !== 'string') throw new InvalidInput('Instance setting msgCall must be a text.');
    body.msgCall = msgCall.trim();
  }
  return body;
}
