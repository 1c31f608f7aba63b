/**
 * The console's onboarding routes (the server applies its read and action rules before these):
 *
 *   GET  /onboard                     the "Novo chip" form
 *   POST /onboard                     starts the onboarding (or follows the one running), 303 to its page
 *   GET  /onboard/<instance>          its page (303 to the chip's page once the chip is warming)
 *   GET  /onboard/<instance>/state    its step and code, JSON, for the page's script
 *   GET  /onboard/<instance>/qr.svg   the current QR code as an image
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import QRCode from 'qrcode';
import { onboardingHandle, onboardingInput, startOnboarding } from '../client/onboarding';
import { isWarmerError } from '../domain/errors';
import type { OnboardingSettings, OnboardingView } from '../domain/onboarding';
import { onboardingQuery } from '../workflows/onboarding-api';
import { esc, page } from './html';
import { onboardingState, renderOnboardingForm, renderOnboardingPage } from './onboarding-page';

/** What the console needs to start onboardings: the worker's task queue and the onboarding settings. */
export interface ConsoleOnboarding {
  taskQueue: string;
  settings: OnboardingSettings;
}

export interface ConsoleReply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const HTML = 'text/html; charset=utf-8';
const html = (status: number, body: string, headers?: Record<string, string>): ConsoleReply => ({ status, type: HTML, body, headers });
const redirect = (location: string): ConsoleReply => ({
  status: 303,
  type: 'text/plain; charset=utf-8',
  body: 'ok',
  headers: { location },
});

export function createOnboardingRoutes(deps: {
  onboarding?: ConsoleOnboarding;
  temporal: () => Promise<Client | null>;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}) {
  const unavailable = (why: string) =>
    html(503, page({ title: 'Indisponível', body: `<h1>Indisponível</h1><p>${esc(why)}</p><p><a href="/">voltar à frota</a></p>` }));

  const viewOf = async (instance: string): Promise<OnboardingView | ConsoleReply> => {
    const client = await deps.temporal();
    if (!client) return unavailable('Temporal não respondeu: o onboarding não pode ser lido agora.');
    try {
      return await onboardingHandle(client, instance).query(onboardingQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isWarmerError(err) && err.code === 'InvalidInput')) {
        return html(
          404,
          page({
            title: 'Sem onboarding',
            body: `<h1>404</h1><p>Nenhum onboarding para a instância '${esc(instance)}'.</p><p><a href="/onboard">novo chip</a></p>`,
          }),
        );
      }
      throw err;
    }
  };

  return {
    async get(parts: string[]): Promise<ConsoleReply | null> {
      if (parts[0] !== 'onboard') return null;
      if (parts.length === 1) return html(200, renderOnboardingForm());
      const instance = parts[1]!;
      if (parts.length > 3) return null;
      const view = await viewOf(instance);
      if ('status' in view && 'body' in view) return view;
      if (parts.length === 2) {
        if (view.step === 'warming' && view.chipId) return redirect(`/chips/${encodeURIComponent(view.chipId)}`);
        return html(200, renderOnboardingPage(view));
      }
      if (parts[2] === 'state')
        return { status: 200, type: 'application/json; charset=utf-8', body: JSON.stringify(onboardingState(view)) };
      if (parts[2] === 'qr.svg') {
        if (view.step !== 'waiting_for_connection' || view.code?.kind !== 'qr')
          return { status: 404, type: 'text/plain; charset=utf-8', body: 'no QR code now' };
        const svg = await QRCode.toString(view.code.value, { type: 'svg', margin: 2 });
        return { status: 200, type: 'image/svg+xml', body: svg };
      }
      return null;
    },

    /** Whether a POST to this path starts an onboarding (the server reads and checks its body first). */
    takesPost: (parts: string[]): boolean => parts.length === 1 && parts[0] === 'onboard',

    /** The form of a POST /onboard, read and checked by the server (action rules, CSRF proof). */
    async post(req: IncomingMessage, form: Record<string, string>): Promise<ConsoleReply> {
      if (!deps.onboarding) return html(503, renderOnboardingForm(form, 'Este console não foi configurado para iniciar onboardings.'));
      const operator = (form.operator ?? '').trim().slice(0, 80);
      let input;
      try {
        input = onboardingInput(
          {
            phone: form.phone ?? '',
            instance: form.instance ?? '',
            fleet: form.fleet,
            method: form.method === 'pairing' ? 'pairing' : 'qr',
            requestedBy: `${operator || 'anônimo'} via console (${req.socket.remoteAddress ?? '?'})`,
          },
          deps.onboarding.settings,
        );
      } catch (err) {
        return html(400, renderOnboardingForm(form, (err as Error).message));
      }
      const client = await deps.temporal();
      if (!client) return html(503, renderOnboardingForm(form, 'Temporal não respondeu: nenhum onboarding foi iniciado.'));
      try {
        const { attached } = await startOnboarding(client, input, deps.onboarding.taskQueue);
        deps.log('info', 'console onboarding', { instance: input.instanceName, attached, operator: operator || 'anônimo' });
      } catch (err) {
        if (!isWarmerError(err)) throw err;
        return html(409, renderOnboardingForm(form, err.message));
      }
      return redirect(`/onboard/${encodeURIComponent(input.instanceName)}`);
    },
  };
}
