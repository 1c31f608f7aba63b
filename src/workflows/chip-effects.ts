/**
 * What the chip's workflow performs for its machine: alerts recorded and announced, notifications,
 * a running conversation told to stop. A notification that cannot be sent never stops the program.
 */
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { ChipRef } from '../activities/types';
import type { ChipEffect } from '../domain/chip-machine';
import { maskPhone } from '../domain/phone';
import { abortConversationSignal, conversationWorkflowId } from './api';
import { outward, records } from './chip-activities';

export function abortConversation(conversationId: string, reason: string): void {
  getExternalWorkflowHandle(conversationWorkflowId(conversationId))
    .signal(abortConversationSignal, { reason })
    .catch(() => undefined); // not started yet, or already over: nothing to stop
}

/** A notification that cannot be sent is logged; the program goes on. */
export async function notify(notification: Parameters<typeof outward.notify>[0]): Promise<void> {
  try {
    await outward.notify.executeWithOptions({ summary: `notify ${notification.kind}` }, [notification]);
  } catch (err) {
    log.warn('notification failed; the program goes on', { kind: notification.kind, error: String(err) });
  }
}

export async function performEffects(chip: ChipRef, effects: ChipEffect[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'alert':
        await records.openAlert.executeWithOptions({ summary: `alert ${effect.alertKind}` }, [
          { chipId: chip.chipId, severity: effect.severity, kind: effect.alertKind, message: effect.message, key: effect.key },
        ]);
        await notify({ kind: 'alert', severity: effect.severity, title: effect.alertKind, message: effect.message, phone: chip.phone });
        break;
      case 'resolve_alert':
        await records.resolveAlert.executeWithOptions({ summary: `resolve ${effect.alertKind}` }, [
          { chipId: chip.chipId, kind: effect.alertKind },
        ]);
        break;
      case 'abort_conversation':
        abortConversation(effect.conversationId, effect.reason);
        break;
    }
  }
  if (effects.length > 0)
    log.info('chip effects performed', { chipId: chip.chipId, phone: maskPhone(chip.phone), effects: effects.map((e) => e.kind) });
}
