/**
 * TEST / DEMO ONLY. The simulator's answers to Evolution v2's profile and settings routes, checked in
 * Evolution's order: instance and key guards, the route's JSON schema (chat.schema.ts,
 * settings.schema.ts), then what the provider does with the value. A profile call on a closed
 * instance fails inside Baileys, which Evolution wraps as a 500; settings are only stored, so they
 * work on a closed instance too.
 */
import { requireConnected } from './groups';
import { isPicture, mediaSource } from './media-routes';
import { SimError } from './network';
import type { SimPrivacy, SimSettings } from './profiles';
import type { Route, RouteContext } from './routes';
import { type Schema, assertSchema } from './evolution-schema';

const AUDIENCE = ['all', 'contacts', 'contact_blacklist', 'none'];
const PRIVACY_FIELDS = ['readreceipts', 'profile', 'status', 'online', 'last', 'groupadd'] as const;
const SETTINGS_FLAGS = ['rejectCall', 'groupsIgnore', 'alwaysOnline', 'readMessages', 'readStatus', 'syncFullHistory'] as const;

const PROFILE_NAME: Schema = { type: 'object', properties: { name: { type: 'string' } }, notEmpty: ['name'] };
const PROFILE_STATUS: Schema = { type: 'object', properties: { status: { type: 'string' } }, notEmpty: ['status'] };
const PROFILE_PICTURE: Schema = { type: 'object', properties: { number: { type: 'string' }, picture: { type: 'string' } } };
const PRIVACY: Schema = {
  type: 'object',
  properties: {
    readreceipts: { type: 'string', enum: ['all', 'none'] },
    profile: { type: 'string', enum: AUDIENCE },
    status: { type: 'string', enum: AUDIENCE },
    online: { type: 'string', enum: ['all', 'match_last_seen'] },
    last: { type: 'string', enum: AUDIENCE },
    groupadd: { type: 'string', enum: AUDIENCE },
  },
  required: PRIVACY_FIELDS,
  notEmpty: PRIVACY_FIELDS,
};
const SETTINGS: Schema = {
  type: 'object',
  properties: {
    rejectCall: { type: 'boolean' },
    msgCall: { type: 'string' },
    groupsIgnore: { type: 'boolean' },
    alwaysOnline: { type: 'boolean' },
    readMessages: { type: 'boolean' },
    readStatus: { type: 'boolean' },
    syncFullHistory: { type: 'boolean' },
    wavoipToken: { type: 'string' },
  },
  required: SETTINGS_FLAGS,
  notEmpty: SETTINGS_FLAGS,
};

export function createProfileRoutes(ctx: RouteContext): Route[] {
  const { guard } = ctx;
  const { profiles } = ctx.person;
  const route = (method: string, path: string, handle: (instance: string, body: unknown) => [number, unknown]): Route => ({
    method,
    path: new RegExp(`^${path}/([^/]+)$`),
    handler: async (req, body, { instance }) => {
      guard(req, instance);
      return handle(instance, body);
    },
  });

  return [
    route('POST', '/chat/updateProfileName', (instance, body) => {
      const { name } = assertSchema(body, PROFILE_NAME);
      requireConnected(ctx.network.require(instance), 500, 'Error updating profile name');
      // The schema requires nothing: a body without a name reaches Baileys, which fails on it.
      if (typeof name !== 'string') throw new SimError(500, ['Error updating profile name', 'TypeError: name is undefined']);
      profiles.setName(instance, name);
      return [200, { update: 'success' }];
    }),

    route('POST', '/chat/updateProfileStatus', (instance, body) => {
      const { status } = assertSchema(body, PROFILE_STATUS);
      requireConnected(ctx.network.require(instance), 500, 'Error updating profile status');
      if (typeof status !== 'string') throw new SimError(500, ['Error updating profile status', 'TypeError: status is undefined']);
      profiles.setAbout(instance, status);
      return [200, { update: 'success' }];
    }),

    route('POST', '/chat/updateProfilePicture', (instance, body) => {
      const { picture } = assertSchema(body, PROFILE_PICTURE);
      const failure = 'Error updating profile picture';
      requireConnected(ctx.network.require(instance), 500, failure);
      let source: ReturnType<typeof mediaSource>;
      try {
        source = mediaSource(picture, '"profilePicture" must be a url or a base64');
      } catch {
        // Evolution throws a BadRequest inside its own try and wraps its string form in a 500.
        throw new SimError(500, [failure, '[object Object]']);
      }
      if ('bytes' in source && !isPicture(source.bytes))
        throw new SimError(500, [failure, 'Error: Input buffer contains unsupported image format']);
      profiles.setPicture(
        instance,
        'url' in source ? { source: 'url', url: source.url } : { source: 'base64', bytes: source.bytes.length },
      );
      return [200, { update: 'success' }];
    }),

    route('POST', '/chat/updatePrivacySettings', (instance, body) => {
      const valid = assertSchema(body, PRIVACY);
      requireConnected(ctx.network.require(instance), 500, 'Error updating privacy settings');
      const privacy = Object.fromEntries(PRIVACY_FIELDS.map((f) => [f, valid[f] as string])) as unknown as SimPrivacy;
      profiles.setPrivacy(instance, privacy);
      return [201, { update: 'success', data: privacy }];
    }),

    route('POST', '/settings/set', (instance, body) => {
      const valid = assertSchema(body, SETTINGS);
      const settings: SimSettings = {
        rejectCall: valid.rejectCall as boolean,
        msgCall: typeof valid.msgCall === 'string' ? valid.msgCall : '',
        groupsIgnore: valid.groupsIgnore as boolean,
        alwaysOnline: valid.alwaysOnline as boolean,
        readMessages: valid.readMessages as boolean,
        readStatus: valid.readStatus as boolean,
        syncFullHistory: valid.syncFullHistory as boolean,
      };
      profiles.setSettings(instance, settings);
      return [201, { settings: { instanceName: instance, settings: valid } }];
    }),

    route('GET', '/settings/find', (instance) => [200, { ...profiles.settings(instance), wavoipToken: '' }]),
  ];
}
