/**
 * Optional dialogue generator behind any OpenAI-compatible chat-completions endpoint (OpenAI,
 * Azure-compatible gateways, a local llama.cpp / Ollama server...). It is off unless configured, and
 * it is meant to be wrapped in withFallback: every failure here throws, and the library answers.
 */
import { createHash } from 'node:crypto';
import { checkDialogueShape, DIALOGUE_MAX_TURNS, DIALOGUE_MIN_TURNS } from '../../domain/dialogue-shape';
import { pickOne } from '../../domain/random';
import { DIALOGUE_LIBRARY } from './library';
import type { Dialogue, DialogueRequest, DialogueSource, DialogueTurn } from './port';

export interface LlmSourceOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Aborts the HTTP request; withFallback has its own (default 10 s) deadline on top. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export const DEFAULT_LLM_TIMEOUT_MS = 10_000;

/** The library's topics double as prompts, so generated chats stay in the same everyday register. */
export const LLM_TOPICS: readonly string[] = [...new Set(DIALOGUE_LIBRARY.map((d) => d.topic))];

export class LlmDialogueError extends Error {
  override readonly name = 'LlmDialogueError';
}

const SYSTEM_PROMPT =
  'Você escreve conversas curtas e casuais de WhatsApp, em português do Brasil, entre duas pessoas que se conhecem. ' +
  'Responda somente com um objeto JSON, sem texto antes ou depois.';

function userPrompt(topic: string, turns: number): string {
  return [
    `Escreva uma conversa sobre "${topic}" com exatamente ${turns} mensagens.`,
    'As mensagens alternam entre as pessoas A e B, começando por A com um cumprimento, e a última mensagem encerra a conversa de forma natural (despedida, até logo ou agradecimento).',
    'Estilo informal do dia a dia (vc, tb, kkk, um emoji de vez em quando), mensagens de tamanhos variados: de "kkk blz" até duas frases.',
    'Não inclua números de telefone, links, e-mails, nomes de empresas, preços ou qualquer coisa comercial.',
    `Formato: {"topic": "${topic}", "turns": [{"from": "A", "text": "..."}, {"from": "B", "text": "..."}]}`,
  ].join('\n');
}

/** Models like to wrap JSON in a ```json fence even when told not to. */
function stripCodeFence(content: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content);
  return fenced ? fenced[1]! : content;
}

function slug(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'conversa'
  );
}

/** Turns the model's message content into a Dialogue, or throws saying what was wrong. */
export function parseLlmDialogue(content: string, fallbackTopic: string, maxTurns: number): Dialogue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripCodeFence(content));
  } catch {
    throw new LlmDialogueError(`LLM answer is not JSON: ${JSON.stringify(content.slice(0, 120))}`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { topic?: unknown; turns?: unknown };
  const rawTurns = Array.isArray(parsed) ? parsed : record.turns;
  if (!Array.isArray(rawTurns)) throw new LlmDialogueError('LLM answer has no "turns" array');

  // Keep only the two fields we use; anything else the model adds is dropped.
  const turns = rawTurns.map((turn: unknown) => {
    const t = (typeof turn === 'object' && turn !== null ? turn : {}) as { from?: unknown; text?: unknown };
    return { from: t.from, text: typeof t.text === 'string' ? t.text.trim() : t.text } as DialogueTurn;
  });
  const topic = typeof record.topic === 'string' && record.topic.trim() ? record.topic.trim() : fallbackTopic;
  const digest = createHash('sha256').update(JSON.stringify(turns)).digest('hex').slice(0, 10);
  const dialogue: Dialogue = { id: `llm-${slug(topic)}-${digest}`, topic, turns };

  const shape = checkDialogueShape(dialogue);
  if (!shape.ok) throw new LlmDialogueError(`LLM dialogue failed the shape check: ${shape.problems.join('; ')}`);
  if (turns.length > maxTurns) throw new LlmDialogueError(`LLM dialogue has ${turns.length} turns, more than maxTurns ${maxTurns}`);
  return dialogue;
}

export function createLlmSource(options: LlmSourceOptions): DialogueSource {
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const fetchImpl = options.fetchImpl ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;

  return {
    async next({ maxTurns, random, preferLongest }: DialogueRequest): Promise<Dialogue | null> {
      const upper = Math.min(maxTurns, DIALOGUE_MAX_TURNS);
      if (upper < DIALOGUE_MIN_TURNS) return null;
      const topic = pickOne(random, LLM_TOPICS);
      const drawn = DIALOGUE_MIN_TURNS + Math.floor(random() * (upper - DIALOGUE_MIN_TURNS + 1));
      const turns = preferLongest ? upper : drawn;

      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify({
          model: options.model,
          temperature: 0.9,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: userPrompt(topic, turns) },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
        // The bearer key must not follow a redirect to another host: a 3xx is a failed answer.
        redirect: 'manual',
      });
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        throw new LlmDialogueError(`LLM endpoint answered HTTP ${response.status}: ${body.slice(0, 200)}`);
      }
      const payload = (await response.json().catch(() => null)) as { choices?: Array<{ message?: { content?: unknown } }> } | null;
      const content = payload?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new LlmDialogueError('LLM answer has no choices[0].message.content');
      return parseLlmDialogue(content, topic, maxTurns);
    },
  };
}
