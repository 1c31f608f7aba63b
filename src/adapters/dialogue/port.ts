import type { TurnMedia } from '../../domain/message-mix';

export type { TurnMedia } from '../../domain/message-mix';

/** A warm-up dialogue between two speakers; A is the chip that starts the conversation. */
export interface DialogueTurn {
  from: 'A' | 'B';
  /** What is said; for a media turn, the image's caption, or what is said instead where the phase allows only text. */
  text: string;
  /** A reaction, sticker, image or voice note instead of (or, for an image, with) the text. */
  media?: TurnMedia;
}

export interface Dialogue {
  id: string;
  topic: string;
  turns: DialogueTurn[];
}

export interface DialogueRequest {
  /** Upper bound on turns (both speakers' messages together), from the chips' remaining daily caps. */
  maxTurns: number;
  /**
   * Pick among the longest dialogues that fit (the planner asks for this: a conversation's fixed cost,
   * its plan, reservation, child and report, is spread over its messages). Otherwise any that fits.
   */
  preferLongest?: boolean;
  /** Uniform [0,1) source; sources must not call Math.random directly so tests can be seeded. */
  random: () => number;
}

export interface DialogueSource {
  /** Resolves a dialogue that passes checkDialogueShape and has at most maxTurns turns, or null if none fits. */
  next(request: DialogueRequest): Promise<Dialogue | null>;
}
