/**
 * The message mix as a lifecycle run on the simulator must show it: each delivery's kind against
 * its sender's phase at the time (text only in primeiros_contatos, reactions and stickers from
 * expansao, photos and voice notes later), every item one recorded turn of its kind in the
 * database, and every reaction aimed at the partner's message it answers.
 */
import { MESSAGE_KINDS, allowsKind, type MessageKind } from '../../src/domain/message-mix';
import type { Phase } from '../../src/domain/phases';
import type { Delivery } from '../../src/simulator/simulator';
import { rows } from '../helpers/integration';

interface TurnRow {
  conversation_id: string;
  turno: number;
  chip_id: string;
  provider_message_id: string | null;
}

export interface MixCheckInput {
  sql: { query(text: string, params?: unknown[]): Promise<unknown[]> };
  deliveries: Delivery[];
  turns: TurnRow[];
  phaseAt(chipId: string, atMs: number): Phase;
  /** Workflow time of the send of a message id. */
  sentAtMs(messageId: string): number | undefined;
  phoneOf(chipId: string): string;
}

/** Kinds sent per sender phase, e.g. { expansao: { text: 250, reaction: 30, sticker: 12, ... } }. */
export type MixCounts = Partial<Record<Phase, Record<MessageKind, number>>>;

export async function checkMessageMix(input: MixCheckInput): Promise<MixCounts> {
  const { deliveries, turns } = input;
  const turnByMessage = new Map(turns.map((t) => [t.provider_message_id!, t]));
  const recorded = await rows<{ provider_message_id: string; tipo: string; midia_tipo: string }>(
    input.sql,
    `select provider_message_id, tipo, midia_tipo from warmup_interactions where tipo in ('msg_enviada', 'msg_recebida')`,
  );
  const kindOf = new Map(recorded.map((r) => [`${r.tipo}|${r.provider_message_id}`, r.midia_tipo]));

  const counts: MixCounts = {};
  const problems: string[] = [];
  for (const d of deliveries) {
    const turn = turnByMessage.get(d.messageId)!;
    // The database recorded what the network carried, on both sides.
    for (const tipo of ['msg_enviada', 'msg_recebida']) {
      if (kindOf.get(`${tipo}|${d.messageId}`) !== d.kind)
        problems.push(`${d.messageId}: ${tipo} recorded ${kindOf.get(`${tipo}|${d.messageId}`)}, sent ${d.kind}`);
    }
    const phase = input.phaseAt(turn.chip_id, input.sentAtMs(d.messageId)!);
    const row = (counts[phase] ??= Object.fromEntries(MESSAGE_KINDS.map((k) => [k, 0])) as Record<MessageKind, number>);
    row[d.kind]++;
    if (!allowsKind(phase, d.kind)) problems.push(`${d.messageId}: ${d.kind} sent in ${phase}`);
    if (d.kind === 'reaction') {
      // A reaction answers the partner's previous turn of the same conversation.
      const previous = turns.find((t) => t.conversation_id === turn.conversation_id && t.turno === turn.turno - 1);
      if (!previous || previous.provider_message_id !== d.reactedTo || previous.chip_id === turn.chip_id) {
        problems.push(`${d.messageId}: reaction to ${d.reactedTo}, not to the partner's previous message`);
      }
      if (input.phoneOf(previous?.chip_id ?? '') !== d.toPhone) problems.push(`${d.messageId}: reaction sent to another chat`);
    }
  }
  expect(problems).toEqual([]);

  const media = (phase: Phase, kinds: MessageKind[]) => kinds.reduce((sum, k) => sum + (counts[phase]?.[k] ?? 0), 0);
  expect(counts.primeiros_contatos?.text).toBeGreaterThan(0);
  expect(media('primeiros_contatos', ['reaction', 'sticker', 'image', 'audio'])).toBe(0);
  expect(media('expansao', ['reaction', 'sticker'])).toBeGreaterThan(0);
  expect(media('pre_operacao', ['image', 'audio']) + media('operacao', ['image', 'audio'])).toBeGreaterThan(0);
  // Still mostly a chat: text is the bulk in every phase.
  for (const row of Object.values(counts)) expect(row.text / Object.values(row).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.6);
  return counts;
}
