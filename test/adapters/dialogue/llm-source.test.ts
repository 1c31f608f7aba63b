import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDialogueSource, DIALOGUE_LIBRARY } from '../../../src/adapters/dialogue';
import { withFallback } from '../../../src/adapters/dialogue/fallback-source';
import { createLibrarySource } from '../../../src/adapters/dialogue/library-source';
import { createLlmSource, LlmDialogueError } from '../../../src/adapters/dialogue/llm-source';
import { seededRandom } from '../../../src/domain/random';

type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Seen {
  path: string;
  authorization: string | undefined;
  body: { model: string; messages: Array<{ role: string; content: string }> };
}

/** A local OpenAI-compatible endpoint whose answer each test chooses. */
let server: Server;
let baseUrl: string;
let reply: Reply;
let seen: Seen[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
      reply(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
});

function completion(content: string): Reply {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
  };
}

const GOOD_TURNS = [
  { from: 'A', text: 'Oi! Tudo bem? Conseguiu descansar no domingo?' },
  { from: 'B', text: 'oii, consegui sim kkk dormi até tarde' },
  { from: 'A', text: 'que inveja, aqui as crianças acordaram cedinho' },
  { from: 'B', text: 'imagino! semana que vem vc descansa' },
  { from: 'A', text: 'tomara kkk boa semana!' },
  { from: 'B', text: 'pra vc tb, beijo 😘' },
];

const llm = (overrides: Partial<Parameters<typeof createLlmSource>[0]> = {}) =>
  createLlmSource({ baseUrl, apiKey: 'sk-teste', model: 'modelo-teste', ...overrides });

const libraryIds = new Set(DIALOGUE_LIBRARY.map((d) => d.id));

describe('createLlmSource against a local OpenAI-compatible server', () => {
  it('asks for pt-BR JSON turns and returns a checked dialogue', async () => {
    reply = completion(JSON.stringify({ topic: 'fim de semana', turns: GOOD_TURNS }));
    const dialogue = await llm().next({ maxTurns: 8, random: seededRandom(1) });

    expect(dialogue).toEqual({ id: expect.stringMatching(/^llm-fim-de-semana-[0-9a-f]{10}$/), topic: 'fim de semana', turns: GOOD_TURNS });
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.authorization).toBe('Bearer sk-teste');
    expect(request.body.model).toBe('modelo-teste');
    const prompt = request.body.messages.map((m) => m.content).join('\n');
    expect(prompt).toMatch(/português do Brasil/);
    expect(prompt).toMatch(/JSON/);
    const asked = Number(/exatamente (\d+) mensagens/.exec(prompt)?.[1]);
    expect(asked).toBeGreaterThanOrEqual(4);
    expect(asked).toBeLessThanOrEqual(8);
  });

  it('asked to prefer the longest, asks for as many messages as fit', async () => {
    reply = completion(JSON.stringify({ topic: 'fim de semana', turns: GOOD_TURNS }));
    await llm().next({ maxTurns: 8, random: seededRandom(1), preferLongest: true });
    const prompt = seen
      .at(-1)!
      .body.messages.map((m) => m.content)
      .join('\n');
    expect(Number(/exatamente (\d+) mensagens/.exec(prompt)?.[1])).toBe(8);
  });

  it('accepts an answer wrapped in a ```json fence and drops extra fields', async () => {
    const turns = GOOD_TURNS.map((t) => ({ ...t, emotion: 'feliz' }));
    reply = completion('```json\n' + JSON.stringify({ topic: 'descanso', turns }) + '\n```');
    const dialogue = await llm().next({ maxTurns: 12, random: Math.random });
    expect(dialogue?.turns).toEqual(GOOD_TURNS);
  });

  it('rejects a malformed answer, and the fallback answers from the library', async () => {
    reply = completion('Claro! Aqui está uma conversa: A: oi B: oi');
    await expect(llm().next({ maxTurns: 8, random: Math.random })).rejects.toThrow(LlmDialogueError);
    await expect(llm().next({ maxTurns: 8, random: Math.random })).rejects.toThrow(/not JSON/);

    const lines: string[] = [];
    const dialogue = await withFallback(llm(), createLibrarySource(), (line) => lines.push(line)).next({
      maxTurns: 8,
      random: seededRandom(2),
    });
    expect(libraryIds.has(dialogue!.id)).toBe(true);
    expect(dialogue!.turns.length).toBeLessThanOrEqual(8);
    expect(lines).toEqual([expect.stringMatching(/primary failed: LLM answer is not JSON.*using the fallback source/)]);
  });

  it('rejects JSON whose dialogue fails the shape check or exceeds maxTurns', async () => {
    const withLink = GOOD_TURNS.map((t, i) => (i === 2 ? { ...t, text: 'olha essa oferta em www.exemplo.com' } : t));
    reply = completion(JSON.stringify({ topic: 'x', turns: withLink }));
    await expect(llm().next({ maxTurns: 8, random: Math.random })).rejects.toThrow(/turn 3: text contains a link/);

    reply = completion(JSON.stringify({ topic: 'x', turns: GOOD_TURNS }));
    await expect(llm().next({ maxTurns: 5, random: Math.random })).rejects.toThrow(/6 turns, more than maxTurns 5/);

    reply = completion(JSON.stringify({ conversa: 'oi' }));
    await expect(llm().next({ maxTurns: 8, random: Math.random })).rejects.toThrow(/no "turns" array/);
  });

  it('rejects an HTTP 500, and the fallback engages', async () => {
    reply = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"internal"}}');
    };
    await expect(llm().next({ maxTurns: 8, random: Math.random })).rejects.toThrow(/HTTP 500/);

    const lines: string[] = [];
    const source = createDialogueSource({ llm: { baseUrl, apiKey: 'k', model: 'm' }, log: (line) => lines.push(line) });
    const dialogue = await source.next({ maxTurns: 8, random: seededRandom(3) });
    expect(libraryIds.has(dialogue!.id)).toBe(true);
    expect(lines[0]).toMatch(/HTTP 500/);
  });

  it('gives up on a server that never answers, and the fallback engages within its timeout', async () => {
    reply = () => undefined; // hold the connection open
    const lines: string[] = [];
    const source = createDialogueSource({
      llm: { baseUrl, apiKey: 'k', model: 'm', timeoutMs: 5_000 },
      llmTimeoutMs: 200,
      log: (line) => lines.push(line),
    });
    const started = Date.now();
    const dialogue = await source.next({ maxTurns: 12, random: seededRandom(4) });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(libraryIds.has(dialogue!.id)).toBe(true);
    expect(lines[0]).toMatch(/no answer within 200 ms/);

    await expect(llm({ timeoutMs: 150 }).next({ maxTurns: 8, random: Math.random })).rejects.toThrow();
    server.closeAllConnections();
  });

  it('does not call the endpoint when maxTurns leaves no room for a dialogue', async () => {
    expect(await llm().next({ maxTurns: 3, random: Math.random })).toBeNull();
    expect(seen).toEqual([]);
  });

  it('is off unless configured: without llm options only the library answers', async () => {
    const dialogue = await createDialogueSource().next({ maxTurns: 12, random: seededRandom(5) });
    expect(libraryIds.has(dialogue!.id)).toBe(true);
    expect(seen).toEqual([]);
  });

  it('uses a custom fetch implementation when given one', async () => {
    const fetchImpl = jest.fn(
      async () => new Response(JSON.stringify({ choices: [{ message: { content: JSON.stringify({ turns: GOOD_TURNS }) } }] })),
    );
    const dialogue = await createLlmSource({ baseUrl: 'http://llm.invalid', apiKey: 'k', model: 'm', fetchImpl }).next({
      maxTurns: 6,
      random: () => 0,
    });
    expect(fetchImpl).toHaveBeenCalledWith('http://llm.invalid/chat/completions', expect.objectContaining({ method: 'POST' }));
    expect(dialogue!.topic).toBe(DIALOGUE_LIBRARY[0]!.topic);
  });
});
