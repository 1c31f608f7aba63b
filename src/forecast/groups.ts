/**
 * Group conversations in the forecast (closed groups of the fleet, src/domain/group-rules.ts). The
 * forecast holds the same share of slots in groups as the workflow (the same rule, drawn from the chip
 * and the moment), never the slot the daily health log rides on. A group conversation's messages are
 * spread over its speakers within their caps just as a one-to-one conversation's are over its two
 * chips, so the forecast holds it as one with the same turns (messages, caps and promotions alike) and
 * adds what a group costs beyond that: each further speaker reserved and told of the end (none while
 * GROUP_OTHER_SPEAKERS is 1).
 */
import { GROUP_OTHER_SPEAKERS, chooseGroupConversation } from '../domain/group-rules';
import type { Phase } from '../domain/phases';
import { hashString, seededRandom } from '../domain/random';
import type { ActionCounts } from './actions';

/** The workflow's choice (chip-group-conversation.ts, groupSlotChosen), for a forecast chip. */
export function forecastGroupSlot(chipId: string, phase: Phase, quarantined: boolean, nowMs: number, healthRode: boolean): boolean {
  return !healthRode && chooseGroupConversation(phase, quarantined, seededRandom(hashString(`${chipId}:group:${nowMs}`)));
}

/** Billed actions a group conversation adds to a one-to-one one: each speaker beyond the first partner's reservation and report. */
export function addGroupActions(actions: ActionCounts): void {
  actions.updates += GROUP_OTHER_SPEAKERS - 1;
  actions.signals += GROUP_OTHER_SPEAKERS - 1;
}
