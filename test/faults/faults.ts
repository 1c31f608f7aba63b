/** The faults the suite injects, one per row of docs/reliability.md's time-skipping fault table. */
import type { Fault, FaultContext } from './fault-suite';
import { rows } from '../helpers/integration';

const pick = <T>(items: T[], step: number): T => items[step % items.length]!;

async function someSentMessages(ctx: FaultContext, limit: number): Promise<{ instance: string; id: string }[]> {
  const sent = await rows<{ chip_id: string; provider_message_id: string }>(
    ctx.stack.sql,
    `select chip_id, provider_message_id from warmup_interactions where tipo = 'msg_enviada' and estado = 'sent' order by id desc limit ${limit}`,
  );
  return sent.map((s) => ({ instance: ctx.chips.find((c) => c.chipId === s.chip_id)!.instanceName, id: s.provider_message_id }));
}

const update = (instance: string, id: string, status: string) => ({
  event: 'messages.update',
  instance,
  data: { keyId: id, messageId: id, remoteJid: '5511900000000@s.whatsapp.net', fromMe: true, status, instanceId: 'fault-suite' },
});

export const FAULTS: Fault[] = [
  { name: 'none', description: 'baseline: nothing injected', start: () => undefined },
  {
    name: 'provider-errors',
    description: 'every 6 h: the next 2 sends of one chip and the next 2 calls of another answer 5xx',
    start: () => undefined,
    step: (ctx, step) => {
      ctx.stack.sim.control.failNextSends(pick(ctx.chips, step).instanceName, 2);
      ctx.stack.sim.control.failNextRequests(pick(ctx.chips, step + 1).instanceName, 2, 503);
    },
  },
  {
    name: 'slow-provider',
    description: 'every provider answer 100 ms late',
    start: (ctx) => ctx.stack.sim.control.setLatency(100),
    stop: (ctx) => ctx.stack.sim.control.setLatency(0),
  },
  {
    name: 'webhook-replays',
    description:
      'every 6 h: receipts of recent messages posted 7 times each; ERROR for ids never sent, 7 times; one real ERROR replayed 7 times',
    start: () => undefined,
    step: async (ctx, step) => {
      for (const m of await someSentMessages(ctx, 3)) {
        for (let i = 0; i < 7; i++) await ctx.post(update(m.instance, m.id, 'READ'));
      }
      const chip = pick(ctx.chips, step);
      for (let i = 0; i < 7; i++) await ctx.post(update(chip.instanceName, `never-sent-${step}`, 'ERROR'));
      if (step === 1) {
        const [real] = await someSentMessages(ctx, 1);
        if (real) for (let i = 0; i < 7; i++) await ctx.post(update(real.instance, real.id, 'ERROR'));
      }
    },
  },
  {
    name: 'false-bans',
    description: "every 6 h: connection.update close 403 (and 401) for a chip the provider's connectionState says is open",
    start: () => undefined,
    step: async (ctx, step) => {
      const chip = pick(ctx.chips, step);
      for (const statusReason of [403, 401]) {
        await ctx.post({
          event: 'connection.update',
          instance: chip.instanceName,
          data: { instance: chip.instanceName, state: 'close', statusReason },
        });
      }
    },
  },
  {
    name: 'worker-restarts',
    description: 'every 6 h: the worker is shut down and a new one takes over',
    start: () => undefined,
    step: (ctx) => ctx.restartWorker(),
  },
];
