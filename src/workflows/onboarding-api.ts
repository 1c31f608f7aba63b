/**
 * Names and shapes of the onboarding workflow, for both sides: its input and result, the signal the
 * webhook bridge sends it, and the query the CLI, the console and the dev stack read its step with.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OnboardingCode, OnboardingMethod, OnboardingSettings, OnboardingStep, OnboardingView } from '../domain/onboarding';

export interface OnboardingInput {
  /** E.164 digits; a payload (encrypted by the codec), never shown in a summary or details. */
  phone: string;
  instanceName: string;
  fleetId: string;
  method: OnboardingMethod;
  settings: OnboardingSettings;
  /** Who started it (cli, console, import, dev), for the failure alert. */
  requestedBy: string;
  /** Continue as new past this many history events (default 4,000; tests lower it). */
  historyLimit?: number;
  /** What a run hands the next one when it continues as new. */
  carried?: OnboardingCarry;
}

export interface OnboardingCarry {
  step: OnboardingStep;
  startedAtMs: number;
  deadlineMs: number;
  code: OnboardingCode | null;
  codesShown: number;
  created: boolean;
  adopted: boolean;
}

export interface OnboardingResult {
  instanceName: string;
  /** Masked. */
  phone: string;
  chipId: string;
  chipWorkflowId: string;
  adopted: boolean;
  created: boolean;
  codesShown: number;
  /** From the onboarding's start to the connection. */
  connectedAfterMs: number;
}

/** A connection report for an instance that has no chip yet (the webhook bridge forwards it). */
export interface ConnectionHint {
  state: 'open' | 'close' | 'connecting';
  statusReason?: number;
  atMs: number;
}

export const connectionHintSignal = defineSignal<[ConnectionHint]>('connectionHint');
export const onboardingQuery = defineQuery<OnboardingView>('onboarding');

export type { OnboardingView };
