/** What the onboarding workflow asks of the outside world (types only: the workflow imports this file). */
import type { InstanceFacts, OnboardingMethod } from '../domain/onboarding';

/** A code as the workflow keeps it: the QR code's content or the pairing code, and the provider's count. */
export interface FetchedCode {
  value: string;
  count: number;
}

export interface InstanceRequest {
  instanceName: string;
  /** E.164 digits. */
  phone: string;
  method: OnboardingMethod;
}

export type PollResult = { state: 'open' } | { state: 'waiting'; code: FetchedCode | null };

export interface RegisteredChip {
  chipId: string;
  chipWorkflowId: string;
  /** False when the chip was registered already (a retried or repeated onboarding). */
  registeredNow: boolean;
  startedNow: boolean;
}

export interface OnboardingActivities {
  /** The provider's view of the instance; null when none has that name. */
  inspectInstance(input: { instanceName: string }): Promise<InstanceFacts | null>;
  /** Creates it with its webhook, its session started (QR code, or pairing code for the phone). InstanceRefused when the name is refused. */
  createInstance(input: InstanceRequest): Promise<FetchedCode | null>;
  /** Points its webhook at this deployment (with the instance's own secret) and applies the warm-up's settings. */
  configureInstance(input: { instanceName: string }): Promise<{ webhookSet: boolean }>;
  /** Connected, or the code to show now (a fresh one once the old expired). */
  pollConnection(input: InstanceRequest): Promise<PollResult>;
  /** The connected number is the phone given (WrongNumber otherwise); retried until the provider reports it. */
  verifyConnectedNumber(input: { instanceName: string; phone: string }): Promise<void>;
  /** Registers the chip (or finds it registered) and starts its warm-up workflow (or finds it started). */
  registerOnboardedChip(input: { phone: string; instanceName: string; fleetId: string }): Promise<RegisteredChip>;
  /** The alert of an onboarding that ended without a chip (Slack or the log, and the alerts table). */
  reportOnboardingFailure(input: {
    instanceName: string;
    phone: string;
    code: string;
    reason: string;
    requestedBy: string;
    startedAtMs: number;
  }): Promise<void>;
}
