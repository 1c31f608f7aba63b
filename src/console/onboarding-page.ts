/**
 * The console's "Novo chip" pages: the form that starts an onboarding, and the page that follows it
 * (the QR code as an image, or the pairing code, the current step) until the chip is warming, when
 * the browser goes to the chip's page. The page's script is an external file (no inline script).
 */
import { ONBOARDING_STEP_LABEL, type OnboardingView } from '../domain/onboarding';
import { esc, page } from './html';

export interface OnboardingForm {
  phone?: string;
  instance?: string;
  fleet?: string;
  method?: string;
  operator?: string;
}

/** Re-shown after a refusal with what was typed, except the phone: the console never prints one in full. */
export function renderOnboardingForm(values: OnboardingForm = {}, error?: string): string {
  const method = values.method === 'pairing' ? 'pairing' : 'qr';
  const body = `
<p><a href="/">← frota</a></p>
<h1>Novo chip</h1>
<p class="muted">Cria a instância no provedor, mostra o QR code (ou o código de pareamento) até o número conectar, confere o número, registra o chip e começa o aquecimento. Para uma instância já conectada a este número, só registra.</p>
${error ? `<p class="flash err" id="flash">${esc(error)}</p>` : ''}
<form method="post" action="/onboard" class="onboard card" id="onboard-form">
  <label>telefone (E.164) <input name="phone" type="tel" required maxlength="24" placeholder="+5511999999999"></label>
  <label>nome da instância <input name="instance" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}" placeholder="loja-sp-01" value="${esc(values.instance ?? '')}"></label>
  <label>frota <input name="fleet" maxlength="64" placeholder="default" value="${esc(values.fleet ?? '')}"></label>
  <fieldset><legend>conexão</legend>
    <label><input type="radio" name="method" value="qr"${method === 'qr' ? ' checked' : ''}> QR code</label>
    <label><input type="radio" name="method" value="pairing"${method === 'pairing' ? ' checked' : ''}> código de pareamento (digitado no telefone)</label>
  </fieldset>
  <label>operador <input name="operator" maxlength="80" placeholder="seu nome" value="${esc(values.operator ?? '')}"></label>
  <button>Iniciar</button>
</form>`;
  return page({ title: 'Warmer · novo chip', body });
}

/** The pairing code as WhatsApp shows it: two groups of four. */
const pairing = (code: string) => (code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code);

/** What the page's script reads every few seconds (no phone in full, no QR content: the image carries it). */
export function onboardingState(view: OnboardingView): Record<string, unknown> {
  return {
    instance: view.instanceName,
    phone: view.phone,
    step: view.step,
    label: ONBOARDING_STEP_LABEL[view.step],
    code: view.code
      ? {
          kind: view.code.kind,
          count: view.code.count,
          expiresAt: new Date(view.code.expiresAtMs).toISOString(),
          ...(view.code.kind === 'pairing' ? { pairingCode: pairing(view.code.value) } : {}),
        }
      : null,
    chipId: view.chipId,
    failure: view.failure,
  };
}

export function renderOnboardingPage(view: OnboardingView): string {
  const base = `/onboard/${encodeURIComponent(view.instanceName)}`;
  const code = view.code;
  const waiting = view.step === 'waiting_for_connection';
  const qr = code?.kind === 'qr' && waiting;
  const how =
    view.method === 'pairing'
      ? `No telefone ${esc(view.phone)}: WhatsApp › Aparelhos conectados › Conectar aparelho › Conectar com número de telefone, e digite o código.`
      : `No telefone ${esc(view.phone)}: WhatsApp › Aparelhos conectados › Conectar aparelho, e aponte a câmera para o QR code.`;
  const failure = view.failure
    ? `<p class="flash err" id="failure">${esc(view.failure.code)}: ${esc(view.failure.reason)}</p>`
    : '<p class="flash err" id="failure" hidden></p>';
  const body = `
<p><a href="/">← frota</a> · <a href="/onboard">novo chip</a></p>
<h1>Novo chip <small>instância ${esc(view.instanceName)} · ${esc(view.phone)} · frota ${esc(view.fleetId)}</small></h1>
<section class="card onboarding" id="onboarding" data-instance="${esc(view.instanceName)}" data-state-url="${esc(base)}/state" data-qr-url="${esc(base)}/qr.svg">
  <p>Etapa: <b id="step" data-step="${esc(view.step)}">${esc(ONBOARDING_STEP_LABEL[view.step])}</b></p>
  <figure id="qr-box"${qr ? '' : ' hidden'}>
    <img id="qr" alt="QR code para conectar o número" width="280" height="280" src="${qr ? `${esc(base)}/qr.svg?n=${code.count}` : ''}">
    <figcaption class="muted">QR code nº <span id="code-count">${code?.count ?? ''}</span>; um novo aparece quando este expira.</figcaption>
  </figure>
  <p id="pairing-box"${code?.kind === 'pairing' && waiting ? '' : ' hidden'}>Código de pareamento: <b class="pairing" id="pairing-code">${code?.kind === 'pairing' ? esc(pairing(code.value)) : ''}</b></p>
  <p class="muted" id="how"${waiting ? '' : ' hidden'}>${how}</p>
  ${failure}
  <p class="muted">A página se atualiza sozinha e abre a página do chip quando ele começar a aquecer. O onboarding continua mesmo se você fechar esta página.</p>
  <noscript><meta http-equiv="refresh" content="5"></noscript>
</section>`;
  return page({ title: `Warmer · novo chip ${view.instanceName}`, body, scripts: ['/static/onboarding.js'] });
}
