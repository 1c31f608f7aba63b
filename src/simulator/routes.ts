/**
 * TEST / DEMO ONLY. The Evolution API v2 routes the simulator answers (see startSimulator).
 */
import type { IncomingMessage } from 'node:http';
import { createGroupRoutes } from './group-routes';
import { createMediaRoutes } from './media-routes';
import { createInstanceRoutes } from './instance-routes';
import type { SimSessions } from './sessions';
import { parseWebhook, requireProps, requireType } from './validate';
import { SIM_PRESENCES, SimError, type SimNetwork, type SimConnectionState, type SimInstance, type SimPresence } from './network';
import type { SimPersonState } from './person-state';
import { createProfileRoutes } from './profile-routes';
import { createStatusRoutes } from './status-routes';

export type Handler = (
  req: IncomingMessage,
  body: unknown,
  params: { instance: string; query: URLSearchParams },
) => Promise<[number, unknown]>;
export interface Route {
  method: string;
  path: RegExp;
  handler: Handler;
}

export interface RouteContext {
  network: SimNetwork;
  /** Profiles, settings, groups, status posts. */
  person: SimPersonState;
  apiKey: string;
  /** Checks the global key or the instance's token (401). */
  authorize(req: IncomingMessage, instance?: SimInstance): void;
  /** The usual guards of an instance route: exists (404, before auth), key (401), injected failure. */
  guard(req: IncomingMessage, name: string): SimInstance;
  sleep(ms: number): Promise<void>;
  holdPresence(): boolean;
  /** What GET connectionState answers: the instance's state unless a test set another. */
  reportedState(name: string): SimConnectionState;
  /** QR and pairing code sessions, instance settings. */
  sessions: SimSessions;
  log(line: string): void;
}

export function createRoutes(ctx: RouteContext): Route[] {
  const { network, guard, sleep } = ctx;
  const options = { apiKey: ctx.apiKey };
  return [
    {
      method: 'GET',
      path: /^\/?$/,
      handler: async () => [
        200,
        {
          status: 200,
          message: 'Welcome to the Evolution API, it is working!',
          version: '2.3.7-simulator',
          simulator: true,
          notice: 'Warmer messaging simulator: a TEST / DEMO tool, never production.',
        },
      ],
    },
    {
      method: 'POST',
      path: /^\/message\/sendText\/([^/]+)$/,
      handler: async (req, body, { instance }) => {
        guard(req, instance);
        requireProps(body, ['number', 'text']);
        const number = requireType(body, 'number', 'string') as string;
        const text = requireType(body, 'text', 'string') as string;
        return [201, network.sendText(instance, number, text)];
      },
    },
    ...createMediaRoutes(ctx),
    ...createInstanceRoutes(ctx),
    ...createProfileRoutes(ctx),
    ...createGroupRoutes(ctx),
    ...createStatusRoutes(ctx),
    {
      method: 'POST',
      path: /^\/chat\/sendPresence\/([^/]+)$/,
      handler: async (req, body, { instance }) => {
        guard(req, instance);
        // The flat body is the only accepted form; the docs' nested `options` is rejected by this check.
        requireProps(body, ['number', 'presence', 'delay']);
        const number = requireType(body, 'number', 'string') as string;
        const presence = requireType(body, 'presence', 'string') as string;
        const delay = requireType(body, 'delay', 'integer') as number;
        if (!(SIM_PRESENCES as readonly string[]).includes(presence)) {
          throw new SimError(400, [[`instance.presence is not one of enum values: ${SIM_PRESENCES.join(',')}`]]);
        }
        network.sendPresence(instance, number, presence as SimPresence, delay);
        if (ctx.holdPresence()) await sleep(delay);
        return [201, { presence }];
      },
    },
    {
      method: 'POST',
      path: /^\/chat\/markMessageAsRead\/([^/]+)$/,
      handler: async (req, body, { instance }) => {
        guard(req, instance);
        requireProps(body, ['readMessages']);
        const list = (body as Record<string, unknown>).readMessages;
        if (!Array.isArray(list) || list.length === 0) {
          throw new SimError(400, [['instance.readMessages does not meet minimum length of 1']]);
        }
        const keys = list.map((item, i) => {
          requireProps(item, ['remoteJid', 'fromMe', 'id'], `instance.readMessages[${i}]`);
          const key = item as Record<string, unknown>;
          if (typeof key.remoteJid !== 'string' || typeof key.fromMe !== 'boolean' || typeof key.id !== 'string') {
            throw new SimError(400, [[`instance.readMessages[${i}] is not of the expected types`]]);
          }
          return { remoteJid: key.remoteJid, fromMe: key.fromMe, id: key.id };
        });
        network.markRead(instance, keys);
        return [201, { message: 'Read messages', read: 'success' }];
      },
    },
    {
      method: 'GET',
      path: /^\/instance\/connectionState\/([^/]+)$/,
      handler: async (req, _body, { instance }) => {
        guard(req, instance);
        return [200, { instance: { instanceName: instance, state: ctx.reportedState(instance) } }];
      },
    },
    {
      method: 'GET',
      path: /^\/instance\/fetchInstances\/?$/,
      handler: async (req, _body, { query }) => {
        const name = query.get('instanceName');
        const key = req.headers.apikey;
        if (key !== options.apiKey) {
          // An instance token only sees its own instance.
          const own = network.list().find((i) => i.token === key);
          if (!own || (name !== null && name !== own.name)) throw new SimError(401, 'Unauthorized');
          return [200, [instanceRow(own)]];
        }
        if (name !== null) return [200, [instanceRow(network.require(name))]];
        return [200, network.list().map(instanceRow)];
      },
    },
    {
      method: 'POST',
      path: /^\/webhook\/set\/([^/]+)$/,
      handler: async (req, body, { instance }) => {
        guard(req, instance);
        // v1's flat fields are rejected: the settings must be nested under `webhook`.
        requireProps(body, ['webhook']);
        const config = parseWebhook((body as Record<string, unknown>).webhook, { requireEvents: false });
        const updated = network.setWebhook(instance, config);
        return [201, webhookRow(updated)];
      },
    },
    {
      method: 'GET',
      path: /^\/webhook\/find\/([^/]+)$/,
      handler: async (req, _body, { instance }) => {
        const found = guard(req, instance);
        return [200, found.webhook ? webhookRow(found) : null];
      },
    },
  ];
}

function instanceRow(instance: SimInstance): Record<string, unknown> {
  return {
    id: instance.id,
    name: instance.name,
    connectionStatus: instance.state,
    ownerJid: instance.phone ? `${instance.phone}@s.whatsapp.net` : null,
    profileName: instance.name,
    profilePicUrl: null,
    integration: 'WHATSAPP-BAILEYS',
    number: instance.phone,
    token: instance.token,
    clientName: 'warmer_simulator',
    disconnectionReasonCode: instance.disconnectionReasonCode,
    disconnectionObject: null,
    disconnectionAt: instance.disconnectionAt,
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
  };
}

function webhookRow(instance: SimInstance): Record<string, unknown> {
  const w = instance.webhook!;
  return {
    id: instance.id,
    url: w.url,
    headers: w.headers,
    enabled: w.enabled,
    events: w.events,
    webhookByEvents: w.byEvents,
    webhookBase64: w.base64,
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
    instanceId: instance.id,
  };
}
