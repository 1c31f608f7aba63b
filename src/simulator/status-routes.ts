/**
 * TEST / DEMO ONLY. The simulator's answer to Evolution v2's POST /message/sendStatus: the route's schema
 * (statusMessageSchema: font 0 to 5, statusJidList items starting with digits), then the checks of
 * formatStatusMessage in its order — so `font: 0` fails "Font is required" — then the send, where an
 * image's content is a URL WhatsApp's client fetches: anything else (base64, a data: URI) fails as a
 * file that cannot be opened. `allContacts: true` reads Evolution's address book, which the simulator
 * does not keep: "Contacts not found" (upstream it is broken anyway).
 */
import { SimError } from './network';
import type { Route, RouteContext } from './routes';
import { type Schema, assertSchema } from './evolution-schema';

const STATUS: Schema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['text', 'image', 'audio', 'video'] },
    content: { type: 'string' },
    caption: { type: 'string' },
    backgroundColor: { type: 'string' },
    font: { type: 'integer', minimum: 0, maximum: 5 },
    statusJidList: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', pattern: '^\\d+', description: '"statusJidList" must be an array of numeric strings' },
    },
    allContacts: { type: 'boolean', enum: [true, false] },
  },
  required: ['type'],
};

const URL_LIKE = /^https?:\/\/[^\s/$.?#][^\s]*$/;

export function createStatusRoutes(ctx: RouteContext): Route[] {
  const { guard } = ctx;
  const { statuses } = ctx.person;
  return [
    {
      method: 'POST',
      path: /^\/message\/sendStatus\/([^/]+)$/,
      handler: async (req, body, { instance: name }) => {
        const instance = guard(req, name);
        const valid = assertSchema(body, STATUS);
        const type = valid.type as string;
        const content = valid.content;
        if (typeof content !== 'string' || content.length === 0) throw new SimError(400, ['Content is required']);
        if (valid.allContacts === true) throw new SimError(400, ['Contacts not found']);
        const statusJidList = (valid.statusJidList as string[] | undefined) ?? [];
        if (statusJidList.length === 0) throw new SimError(400, ['StatusJidList is required']);
        if (type === 'text') {
          if (!valid.backgroundColor) throw new SimError(400, ['Background color is required']);
          if (!valid.font) throw new SimError(400, ['Font is required']);
        }
        if (type !== 'text' && type !== 'image') throw new SimError(400, [`The simulator only posts text and image statuses, got ${type}`]);
        if (instance.state !== 'open' || instance.phone === null) throw new SimError(400, ['Error: Connection Closed']);
        if (type === 'image' && !URL_LIKE.test(content)) {
          throw new SimError(400, [`Error: ENOENT: no such file or directory, open '${content.slice(0, 32)}…'`]);
        }
        const answer = statuses.post(instance, {
          type,
          content,
          ...(type === 'image' && typeof valid.caption === 'string' ? { caption: valid.caption } : {}),
          ...(type === 'text' ? { backgroundColor: valid.backgroundColor as string, font: valid.font as number } : {}),
          statusJidList,
          allContacts: valid.allContacts === true,
        });
        return [201, answer];
      },
    },
  ];
}
