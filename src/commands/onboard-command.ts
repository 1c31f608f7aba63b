/**
 * `warmer chip onboard`: starts a number's onboarding (or follows the one already running for it) and,
 * in a terminal, shows the QR code or pairing code to use, a new one each time the old expires, until
 * the chip is warming (exit 0) or the onboarding ends without it (exit 1, with the reason). Ctrl-C
 * leaves the onboarding running: the same command follows it again.
 */
import QRCode from 'qrcode';
import { followOnboarding, onboardingInput, startOnboarding } from '../client/onboarding';
import { isWarmerError } from '../domain/errors';
import { ONBOARDING_STEP_LABEL, type OnboardingView } from '../domain/onboarding';
import { maskPhone } from '../domain/phone';
import type { OnboardingResult } from '../workflows/onboarding-api';
import type { CliContext } from './context';
import { operatorName } from './operator';

export interface OnboardOptions {
  phone: string;
  instance: string;
  fleet?: string;
  pairingCode?: boolean;
  json?: boolean;
  /** false with --no-wait. */
  wait?: boolean;
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** The pairing code as WhatsApp shows it: two groups of four. */
export const formatPairingCode = (code: string) => (code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);

export async function onboardCommand(ctx: CliContext, opts: OnboardOptions): Promise<void> {
  const config = ctx.config();
  const input = onboardingInput(
    {
      phone: opts.phone,
      instance: opts.instance,
      fleet: opts.fleet,
      method: opts.pairingCode ? 'pairing' : 'qr',
      requestedBy: operatorName(ctx.env),
    },
    config.onboarding,
  );
  const out = (text: string) => ctx.io.out(`${text}\n`);
  const line = (value: unknown) => out(JSON.stringify(value));
  const { client } = await ctx.temporal();
  const { handle, attached } = await startOnboarding(client, input, config.temporal.taskQueue);
  const started = { workflowId: handle.workflowId, instance: input.instanceName, fleetId: input.fleetId, attached };
  if (opts.wait === false) {
    if (opts.json) line({ event: 'started', ...started });
    else
      out(
        `Onboarding ${handle.workflowId} ${attached ? 'is already running' : 'started'}; follow it with the same command without --no-wait, or in the console (Novo chip).`,
      );
    return;
  }
  if (opts.json) line({ event: 'started', ...started });
  else out(`Onboarding ${input.instanceName} for ${maskPhone(input.phone)} (${handle.workflowId}${attached ? ', already running' : ''}).`);

  let lastStep = '';
  const show = async (view: OnboardingView) => {
    if (opts.json) {
      const code = view.code && {
        kind: view.code.kind,
        value: view.code.value,
        count: view.code.count,
        expiresAt: new Date(view.code.expiresAtMs).toISOString(),
      };
      line({ event: 'step', step: view.step, code });
      return;
    }
    if (view.step !== lastStep) {
      lastStep = view.step;
      out(`- ${view.step}: ${ONBOARDING_STEP_LABEL[view.step]}`);
    }
    if (view.step !== 'waiting_for_connection' || !view.code) return;
    const until = `valid until ${clock(view.code.expiresAtMs)} UTC; a new one follows`;
    if (view.code.kind === 'pairing') {
      out(`Pairing code #${view.code.count}: ${formatPairingCode(view.code.value)}  (${until})`);
      out(`On the phone ${view.phone}: WhatsApp > Linked devices > Link a device > Link with phone number instead.`);
      return;
    }
    out(`QR code #${view.code.count} (${until}):`);
    out(await QRCode.toString(view.code.value, { type: 'terminal', small: true }));
    out(`Scan it with WhatsApp on the phone ${view.phone}: Linked devices > Link a device.`);
  };

  let result: OnboardingResult;
  try {
    result = await followOnboarding(handle, { onView: show });
  } catch (err) {
    if (opts.json) line({ event: 'failed', code: isWarmerError(err) ? err.code : (err as Error).name, reason: (err as Error).message });
    throw err;
  }
  if (opts.json) {
    line({ event: 'warming', ...result });
    return;
  }
  const how = result.adopted ? 'adopted (already connected)' : `connected after ${Math.round(result.connectedAfterMs / 1000)} s`;
  out(`Chip ${result.chipId} (${result.phone}, instance ${result.instanceName}) is warming: ${how}; workflow ${result.chipWorkflowId}.`);
}
