import { withFallback, type DialogueLog } from './fallback-source';
import { createLibrarySource } from './library-source';
import { createLlmSource, type LlmSourceOptions } from './llm-source';
import type { DialogueSource } from './port';

export type { Dialogue, DialogueRequest, DialogueSource, DialogueTurn } from './port';
export { DIALOGUE_LIBRARY } from './library';
export { createLibrarySource } from './library-source';
export { withFallback, DEFAULT_PRIMARY_TIMEOUT_MS } from './fallback-source';
export { createLlmSource, parseLlmDialogue, LlmDialogueError } from './llm-source';

export interface DialogueSourceConfig {
  /** Present only when an LLM endpoint is configured; otherwise the built-in library answers alone. */
  llm?: LlmSourceOptions;
  /** Deadline for the LLM before the library answers (default 10 s). */
  llmTimeoutMs?: number;
  log?: DialogueLog;
}

/** What the worker wires: the library, or the LLM with the library as its fallback. */
export function createDialogueSource(config: DialogueSourceConfig = {}): DialogueSource {
  const library = createLibrarySource();
  if (!config.llm) return library;
  return withFallback(createLlmSource(config.llm), library, config.log, { timeoutMs: config.llmTimeoutMs });
}
