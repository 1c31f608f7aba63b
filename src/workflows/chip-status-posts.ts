/**
 * The chip's status post step: when its machine says a post is due (domain/status-rules.ts), one
 * activity claims, posts and records it. It rides on a wake the loop has anyway (no timer of its own)
 * and patched() is asked only then, so a history that never posted carries no marker. A failed post is
 * contained: the chip goes on, and the next post waits for its own time.
 */
import { log, patched } from '@temporalio/workflow';
import type { ChipRef } from '../activities/types';
import type { ChipMachine } from '../domain/chip-machine';
import { outward } from './chip-activities';
import { PATCHES } from './patches';

export async function postStatusIfDue(machine: ChipMachine, chip: ChipRef, nowMs: number): Promise<void> {
  const due = machine.statusPostDue(nowMs);
  if (!due || !patched(PATCHES.statusPosts)) return;
  let posted = false;
  try {
    const result = await outward.postStatus.executeWithOptions({ summary: `status post ${due.seq}/${due.cap} of ${due.day}` }, [
      { chip, key: due.key, day: due.day, atMs: nowMs, post: due.post },
    ]);
    if (result.kind === 'posted') posted = true;
    else log.info('status not posted', { chipId: chip.chipId, reason: result.reason });
  } catch (err) {
    log.warn('could not post a status; contained', { chipId: chip.chipId, error: String(err) });
  }
  machine.statusPostOver(due, posted);
}
