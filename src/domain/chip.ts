export const CHIP_STATUSES = ['warming', 'paused', 'ready', 'banned', 'retired'] as const;
export type ChipStatus = (typeof CHIP_STATUSES)[number];

export function isChipStatus(value: unknown): value is ChipStatus {
  return typeof value === 'string' && (CHIP_STATUSES as readonly string[]).includes(value);
}

/** Statuses a chip never leaves. */
export function isFinalStatus(status: ChipStatus): boolean {
  return status === 'ready' || status === 'banned' || status === 'retired';
}

/** Temporal workflow id of a chip's warm-up: one per chip, so a second start is refused by the server. */
export function chipWorkflowId(chipId: string): string {
  return `chip-warmup/${chipId}`;
}
