/**
 * TEST / DEMO ONLY. The simulator's answers to Evolution v2's group routes (group.router.ts). `create`
 * is checked like any route (`[[messages]]`); the routes that act on a group take `groupJid` from the
 * body or the query, append `@g.us` when it is missing, and report schema failures as
 * `[{ property, message }]`, as Evolution's groupValidate does.
 */
import type { IncomingMessage } from 'node:http';
import { SimError } from './network';
import type { Route, RouteContext } from './routes';
import { type Schema, assertGroupSchema, assertSchema } from './evolution-schema';

const PHONES: Schema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', minLength: 10, pattern: '\\d+', description: '"participants" must be an array of numeric strings' },
};

const CREATE: Schema = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    description: { type: 'string' },
    profilePicture: { type: 'string' },
    promoteParticipants: { type: 'boolean', enum: [true, false] },
    participants: PHONES,
  },
  required: ['subject', 'participants'],
  notEmpty: ['subject', 'description', 'profilePicture'],
};

const UPDATE_PARTICIPANTS: Schema = {
  type: 'object',
  properties: {
    groupJid: { type: 'string' },
    action: { type: 'string', enum: ['add', 'remove', 'promote', 'demote'] },
    participants: PHONES,
  },
  required: ['groupJid', 'action', 'participants'],
  notEmpty: ['groupJid', 'action'],
};

const GROUP_JID: Schema = {
  type: 'object',
  properties: { groupJid: { type: 'string', pattern: '^[\\d-]+@g.us$' } },
  required: ['groupJid'],
  notEmpty: ['groupJid'],
};

export function createGroupRoutes(ctx: RouteContext): Route[] {
  const { guard } = ctx;
  const { groups } = ctx.person;
  const route = (
    method: string,
    action: string,
    handle: (req: IncomingMessage, instance: string, body: unknown, query: URLSearchParams) => [number, unknown],
  ): Route => ({
    method,
    path: new RegExp(`^/group/${action}/([^/]+)$`),
    handler: async (req, body, { instance, query }) => handle(req, instance, body, query),
  });

  return [
    route('POST', 'create', (req, name, body) => {
      const instance = guard(req, name);
      const valid = assertSchema(body, CREATE);
      const description = typeof valid.description === 'string' ? valid.description : undefined;
      return [201, groups.create(instance, valid.subject as string, description, valid.participants as string[])];
    }),

    route('POST', 'updateParticipant', (req, name, body, query) => {
      const instance = guard(req, name);
      const valid = withGroupJid(body, query);
      assertGroupSchema(valid, UPDATE_PARTICIPANTS);
      return [201, groups.updateParticipants(instance, valid.groupJid as string, valid.action as string, valid.participants as string[])];
    }),

    route('DELETE', 'leaveGroup', (req, name, body, query) => {
      const instance = guard(req, name);
      const valid = withGroupJid(body, query);
      return [200, groups.leave(instance, valid.groupJid as string)];
    }),

    route('GET', 'findGroupInfos', (req, name, body, query) => {
      const instance = guard(req, name);
      const valid = withGroupJid(body, query);
      assertGroupSchema(valid, GROUP_JID);
      return [200, groups.info(instance, valid.groupJid as string)];
    }),
  ];
}

/** Evolution's groupValidate: the body's groupJid, else the query's, with `@g.us` appended if missing. */
function withGroupJid(body: unknown, query: URLSearchParams): Record<string, unknown> {
  const ref: Record<string, unknown> = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body } : {};
  let groupJid = typeof ref.groupJid === 'string' && ref.groupJid ? ref.groupJid : query.get('groupJid');
  if (!groupJid) throw new SimError(400, ['The group id needs to be informed in the query', 'ex: "groupJid=120362@g.us"']);
  if (!groupJid.endsWith('@g.us')) groupJid = `${groupJid}@g.us`;
  return { ...ref, groupJid };
}
