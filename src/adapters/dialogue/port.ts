/** A warm-up dialogue between two speakers; A is the chip that starts the conversation. */
export interface DialogueTurn {
  from: 'A' | 'B';
  text: string;
}

export interface Dialogue {
  id: string;
  topic: string;
  turns: DialogueTurn[];
}

export interface DialogueRequest {
  /** Upper bound on turns (both speakers' messages together), from the chips' remaining daily caps. */
  maxTurns: number;
  /** Uniform [0,1) source; sources must not call Math.random directly so tests can be seeded. */
  random: () => number;
}

export interface DialogueSource {
  /** Resolves a dialogue that passes checkDialogueShape and has at most maxTurns turns, or null if none fits. */
  next(request: DialogueRequest): Promise<Dialogue | null>;
}
