/**
 * TEST / DEMO ONLY. Instance management as Evolution v2 answers it: create (the lowercase
 * `integration` key, a nested webhook that must list its events, `qrcode: true` for a session that
 * waits for a scan, `number` for a pairing code), connect (a fresh code when the old one expired;
 * its own failures answered as 200 `{ error: true }`); plus the test-only scan route. Settings given
 * at creation go to the store /settings/set writes (profile-routes.ts).
 *
 * Simulator shortcut: `number` without `qrcode` creates an instance already connected to that
 * number (real Evolution leaves it closed until connect); tests and SIMULATOR_INSTANCES rely on it.
 */
import { SimError, digitsOf } from './network';
import type { Route, RouteContext } from './routes';
import type { SimSettings } from './profiles';
import { optionalType, parseWebhook, requireProps, requireType } from './validate';

/** The prefix of routes no Evolution server has: they stand for a person and their phone. */
export const SIM_TEST_PREFIX = '/__test';

const INTEGRATIONS = ['WHATSAPP-BAILEYS', 'WHATSAPP-BUSINESS', 'EVOLUTION'];
const SETTING_FLAGS = ['rejectCall', 'groupsIgnore', 'alwaysOnline', 'readMessages', 'readStatus', 'syncFullHistory'] as const;
/** Evolution's instance schema: a number starts with digits. */
const NUMBER_PATTERN = /^\d+[.@\w-]+/;

export function createInstanceRoutes(ctx: RouteContext): Route[] {
  const { network, sessions, authorize, log } = ctx;
  return [
    {
      method: 'POST',
      path: /^\/instance\/create\/?$/,
      handler: async (req, body) => {
        authorize(req);
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new SimError(400, [['instance is not of a type(s) object']]);
        const b = body as Record<string, unknown>;
        // Evolution's name guard runs first and reads a missing name as a name in use.
        if (b.instanceName === undefined) throw new SimError(403, ['This name "undefined" is already in use.']);
        const name = requireType(b, 'instanceName', 'string') as string;
        if (name.length === 0) throw new SimError(400, [['The "instanceName" cannot be empty']]);
        for (const prop of ['token', 'number', 'msgCall']) optionalType(b, prop, 'string');
        for (const prop of ['qrcode', ...SETTING_FLAGS]) optionalType(b, prop, 'boolean');
        if (typeof b.number === 'string' && b.number.length > 0 && !NUMBER_PATTERN.test(b.number)) {
          throw new SimError(400, [[`instance.number does not match pattern "${NUMBER_PATTERN.source}"`]]);
        }
        if (network.get(name)) throw new SimError(403, [`This name "${name}" is already in use.`]);
        // The controller reads the lowercase key; the schema's `Integration` is never read.
        if (typeof b.integration !== 'string' || !INTEGRATIONS.includes(b.integration)) throw new SimError(400, ['Invalid integration']);
        const webhook = b.webhook === undefined ? null : parseWebhook(b.webhook, { requireEvents: true });
        const number = typeof b.number === 'string' && b.number.length > 0 ? digitsOf(b.number) : null;
        const token = typeof b.token === 'string' && b.token ? b.token : undefined;
        const waits = b.qrcode === true;
        const created = network.createInstance(name, waits ? null : number, token);
        if (webhook) network.setWebhook(name, webhook);
        // Evolution stores the settings given at creation (false where absent): the same store /settings/set writes.
        ctx.person.profiles.setSettings(name, settingsFrom(b));
        const session = waits ? sessions.start(name, number) : null;
        log(`instance '${name}' created (${created.state})`);
        return [
          201,
          {
            instance: {
              instanceName: created.name,
              instanceId: created.id,
              integration: b.integration,
              webhookWaBusiness: null,
              accessTokenWaBusiness: '',
              status: created.state,
            },
            hash: created.token,
            webhook: webhook ? { webhookUrl: webhook.url, webhookByEvents: webhook.byEvents, webhookBase64: webhook.base64 } : {},
            websocket: {},
            rabbitmq: {},
            sqs: {},
            settings: ctx.person.profiles.settings(name),
            ...(session ? { qrcode: await sessions.answer(session) } : {}),
          },
        ];
      },
    },
    {
      method: 'GET',
      path: /^\/instance\/connect\/([^/]+)$/,
      handler: async (req, _body, { instance, query }) => {
        const found = network.require(instance);
        authorize(req, found);
        // Evolution catches whatever goes wrong here, an injected failure included, and answers it as a 200.
        const injected = network.takeInjectedFailure(instance);
        if (injected) return [200, { error: true, message: `Error: ${injected.message}` }];
        const rawNumber = query.get('number');
        if (rawNumber !== null && !/^\d{8,15}$/.test(digitsOf(rawNumber))) {
          return [200, { error: true, message: `Error: cannot request a pairing code for "${rawNumber.slice(0, 20)}"` }];
        }
        if (found.state === 'open') return [200, { instance: { instanceName: instance, state: 'open' } }];
        const pairingNumber = rawNumber === null ? null : digitsOf(rawNumber);
        const session = found.state === 'close' ? sessions.start(instance, pairingNumber) : sessions.current(instance, pairingNumber);
        return [200, await sessions.answer(session)];
      },
    },
    {
      // Test / dev control: a person scans the code (or types the pairing code) with this phone.
      method: 'POST',
      path: new RegExp(`^${SIM_TEST_PREFIX}/scan/([^/]+)$`),
      handler: async (req, body, { instance }) => {
        authorize(req);
        requireProps(body, ['phone']);
        const b = body as Record<string, unknown>;
        const phone = requireType(b, 'phone', 'string') as string;
        optionalType(b, 'code', 'string');
        const connected = sessions.scan(instance, phone, b.code as string | undefined);
        log(`instance '${instance}' scanned and connected`);
        return [200, { instance, state: connected.state, ownerJid: `${connected.phone}@s.whatsapp.net` }];
      },
    },
  ];
}

function settingsFrom(b: Record<string, unknown>): SimSettings {
  return {
    rejectCall: b.rejectCall === true,
    msgCall: typeof b.msgCall === 'string' ? b.msgCall : '',
    groupsIgnore: b.groupsIgnore === true,
    alwaysOnline: b.alwaysOnline === true,
    readMessages: b.readMessages === true,
    readStatus: b.readStatus === true,
    syncFullHistory: b.syncFullHistory === true,
  };
}
