/**
 * Onboarding a new number, from a provider instance to a warming chip: the steps, what an operator
 * sees of each, and the rules the workflow, the activities, the CLI, the console and the dev stack
 * share. Pure: no I/O and no clock (times are passed in).
 */
import { PERSON_INSTANCE_SETTINGS } from './profile-texts';
import { InvalidInput } from './errors';
import { maskPhone, samePhone } from './phone';

export const ONBOARDING_STEPS = [
  'checking_instance',
  'creating_instance',
  'configuring',
  'waiting_for_connection',
  'verifying_number',
  'registering',
  'warming',
  'failed',
] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

/** Console and Slack labels (Brazilian Portuguese). */
export const ONBOARDING_STEP_LABEL: Record<OnboardingStep, string> = {
  checking_instance: 'verificando a instância',
  creating_instance: 'criando a instância',
  configuring: 'configurando webhook e ajustes',
  waiting_for_connection: 'aguardando a conexão do número',
  verifying_number: 'conferindo o número conectado',
  registering: 'registrando o chip',
  warming: 'aquecendo',
  failed: 'falhou',
};

/** A QR code to scan, or a pairing code to type on the phone (WhatsApp > Aparelhos conectados). */
export type OnboardingMethod = 'qr' | 'pairing';

export interface OnboardingCode {
  kind: OnboardingMethod;
  /** The QR code's content, or the pairing code. */
  value: string;
  /** The provider's count of codes issued for this session (1 for the first). */
  count: number;
  issuedAtMs: number;
  expiresAtMs: number;
}

export interface OnboardingSettings {
  /** How long the workflow waits for the number to connect before it gives up. */
  timeoutMs: number;
  /** How long a code is shown before a fresh one is fetched (WhatsApp rotates them about every minute). */
  codeLifetimeMs: number;
}

export const ONBOARDING_DEFAULTS: OnboardingSettings = { timeoutMs: 24 * 60 * 60_000, codeLifetimeMs: 60_000 };

/** Before the provider has a code (a session still starting), ask again this soon. */
export const CODE_PENDING_RETRY_MS = 5_000;

export interface OnboardingFailure {
  /** A WarmerErrorCode such as WrongNumber, InstanceRefused, OnboardingTimedOut. */
  code: string;
  reason: string;
}

/** What the onboarding's query answers: every phone masked. */
export interface OnboardingView {
  instanceName: string;
  /** Masked (last 4 digits). */
  phone: string;
  fleetId: string;
  method: OnboardingMethod;
  step: OnboardingStep;
  code: OnboardingCode | null;
  startedAtMs: number;
  deadlineMs: number;
  /** Set once the chip is registered. */
  chipId: string | null;
  chipWorkflowId: string | null;
  failure: OnboardingFailure | null;
  /** The instance existed already (connected, or waiting for a scan); nothing was created. */
  adopted: boolean;
  /** This onboarding created the instance. */
  created: boolean;
  /** Codes fetched so far (the first included). */
  codesShown: number;
}

export const DEFAULT_FLEET_ID = 'default';

/** One onboarding per instance: a second start finds the first. */
export function onboardingWorkflowId(instanceName: string): string {
  return `onboarding/${instanceName}`;
}

/** Safe in a URL path and a workflow id; Evolution itself refuses only an empty name. */
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function normalizeInstanceName(input: string): string {
  const name = String(input ?? '').trim();
  if (!name) throw new InvalidInput('The instance name is blank: give the name the provider instance should have (e.g. loja-sp-01).');
  if (!INSTANCE_NAME.test(name)) {
    throw new InvalidInput(
      `Invalid instance name '${name.slice(0, 80)}': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
  return name;
}

export function normalizeFleetId(input: string | undefined): string {
  const fleet = (input ?? '').trim();
  if (!fleet) return DEFAULT_FLEET_ID;
  if (!/^[\w.-]{1,64}$/.test(fleet))
    throw new InvalidInput(`Invalid fleet '${fleet.slice(0, 80)}': use 1-64 letters, digits, '.', '_' or '-'.`);
  return fleet;
}

/** What the provider says of an instance, as far as onboarding cares. */
export interface InstanceFacts {
  state: 'open' | 'close' | 'connecting';
  /** E.164 digits of the connected number (Evolution's ownerJid), null before any connection. */
  ownerPhone: string | null;
}

/**
 * What to do with the instance found under the name: create it, adopt it (connected to the right
 * number: nothing is created), stop (connected to another number), wait for it to report its owner
 * (just connected), or take it over while it waits for a scan (an earlier attempt's instance).
 */
export type InstanceDecision = 'create' | 'adopt' | 'wrong_number' | 'await_owner' | 'resume';

export function decideInstance(found: InstanceFacts | null, phone: string): InstanceDecision {
  if (!found) return 'create';
  if (found.state !== 'open') return 'resume';
  if (!found.ownerPhone) return 'await_owner';
  return samePhone(found.ownerPhone, phone) ? 'adopt' : 'wrong_number';
}

export function wrongNumberReason(instanceName: string, connected: string, expected: string): string {
  return (
    `Instance '${instanceName}' is connected to ${maskPhone(connected)}, not to ${maskPhone(expected)}. ` +
    'Nothing was registered; the instance is left as it is: disconnect it on the provider, or onboard the number it holds.'
  );
}

/**
 * When the waiting loop must act next: the code's expiry (a fresh one is fetched then, which also
 * checks the connection) or the deadline, whichever comes first.
 */
export function nextWakeMs(code: OnboardingCode | null, nowMs: number, deadlineMs: number): number {
  const due = code ? code.expiresAtMs : nowMs;
  return Math.max(nowMs, Math.min(due, deadlineMs));
}

/** The Temporal UI's list line: which number and instance, never the full phone. */
export function onboardingSummary(input: { phone: string; instanceName: string; fleetId?: string }): string {
  return `onboarding ${maskPhone(input.phone)} · instance ${input.instanceName} · fleet ${input.fleetId ?? DEFAULT_FLEET_ID}`;
}

/** The workflow page's current details (Markdown): the step, the code's number, the chip once registered. */
export function onboardingDetails(view: OnboardingView): string {
  const lines = [`**${view.step}** — ${ONBOARDING_STEP_LABEL[view.step]}`, `phone ${view.phone} · instance ${view.instanceName}`];
  if (view.step === 'waiting_for_connection' && view.code) {
    lines.push(`${view.code.kind === 'qr' ? 'QR code' : 'pairing code'} #${view.code.count} shown`);
  }
  if (view.chipId) lines.push(`chip ${view.chipId} (${view.chipWorkflowId})`);
  if (view.failure) lines.push(`${view.failure.code}: ${view.failure.reason}`);
  return lines.join('\n\n');
}

/**
 * The instance settings the warm-up needs, the very ones setup's profile checklist applies (and
 * re-applies, harmlessly): Warmer marks messages read itself, at a person's pace (readMessages off),
 * shows presence per turn (alwaysOnline off), hears the fleet's own groups (groupsIgnore off), and
 * rejects calls with a polite text.
 */
export const WARMUP_INSTANCE_SETTINGS = PERSON_INSTANCE_SETTINGS;
