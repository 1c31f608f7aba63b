/**
 * Starting and following onboardings from outside a workflow: the CLI, the console, CSV imports and
 * the dev stack share these, so they all refuse and report the same way.
 */
import { type Client, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { InvalidInput, type WarmerError } from '../domain/errors';
import {
  normalizeFleetId,
  normalizeInstanceName,
  onboardingSummary,
  onboardingWorkflowId,
  type OnboardingMethod,
  type OnboardingSettings,
  type OnboardingView,
} from '../domain/onboarding';
import { maskPhone, normalizePhone } from '../domain/phone';
import { WORKFLOW_TYPES } from '../workflows/api';
import type { OnboardingWorkflow } from '../workflows/onboarding';
import { type OnboardingInput, type OnboardingResult, onboardingQuery } from '../workflows/onboarding-api';
import { revivedFailure } from './failures';

export interface OnboardingRequest {
  phone: string;
  instance: string;
  fleet?: string;
  method?: OnboardingMethod;
  requestedBy: string;
}

export type OnboardingHandle = WorkflowHandle<typeof OnboardingWorkflow>;

/** Checks the request (InvalidPhone / InvalidInput naming the field) and returns it in canonical form. */
export function onboardingInput(request: OnboardingRequest, settings: OnboardingSettings): OnboardingInput {
  return {
    phone: normalizePhone(request.phone),
    instanceName: normalizeInstanceName(request.instance),
    fleetId: normalizeFleetId(request.fleet),
    method: request.method ?? 'qr',
    settings,
    requestedBy: request.requestedBy.slice(0, 120),
  };
}

/**
 * Starts the onboarding of `request.instance`, or finds the one already running for the same number
 * and fleet (`attached`): a command run again after Ctrl-C follows the same onboarding. A running
 * onboarding of that instance for another number or fleet is refused. One that ended may run again.
 */
export async function startOnboarding(
  client: Client,
  input: OnboardingInput,
  taskQueue: string,
): Promise<{ handle: OnboardingHandle; attached: boolean }> {
  const workflowId = onboardingWorkflowId(input.instanceName);
  try {
    const handle = await client.workflow.start<typeof OnboardingWorkflow>(WORKFLOW_TYPES.onboarding, {
      taskQueue,
      workflowId,
      staticSummary: onboardingSummary(input),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [input],
    });
    return { handle, attached: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const handle = client.workflow.getHandle<typeof OnboardingWorkflow>(workflowId);
  const view = await handle.query(onboardingQuery);
  if (view.phone !== maskPhone(input.phone) || view.fleetId !== input.fleetId) {
    throw new InvalidInput(
      `An onboarding of instance '${input.instanceName}' is already running for ${view.phone} (fleet ${view.fleetId}); ` +
        `it was not started again for ${maskPhone(input.phone)} (fleet ${input.fleetId}). Wait for it to end, or use another instance name.`,
    );
  }
  return { handle, attached: true };
}

export function onboardingHandle(client: Client, instanceName: string): OnboardingHandle {
  return client.workflow.getHandle<typeof OnboardingWorkflow>(onboardingWorkflowId(normalizeInstanceName(instanceName)));
}

/** The typed error an onboarding ended with (WrongNumber, InstanceRefused, OnboardingTimedOut, ...); other errors as they are. */
export function onboardingError(err: unknown): unknown {
  const typed = revivedFailure(err);
  if (typed) return typed;
  // A failure no client rebuilds (ProviderUnavailable, OnboardingFailed): its type and reason, not "Workflow execution failed".
  if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
    const plain = new Error(err.cause.message);
    plain.name = err.cause.type ?? 'Error';
    return plain;
  }
  return err;
}

/**
 * Follows an onboarding until it ends: `onView` hears every change of step or code (read with the
 * query every `pollMs`). Resolves with its result; rejects with its typed error.
 */
export async function followOnboarding(
  handle: OnboardingHandle,
  opts: { onView: (view: OnboardingView) => void | Promise<void>; pollMs?: number },
): Promise<OnboardingResult> {
  const pollMs = opts.pollMs ?? 1_000;
  let ended = false;
  const result = handle.result().finally(() => {
    ended = true;
  });
  const settled = result.then(
    () => undefined,
    () => undefined,
  );
  let last = '';
  while (!ended) {
    try {
      const view = await handle.query(onboardingQuery);
      const key = `${view.step}|${view.code?.value ?? ''}|${view.failure?.code ?? ''}`;
      if (key !== last) {
        last = key;
        await opts.onView(view);
      }
    } catch {
      // A query fails while no worker runs; the onboarding goes on and the next poll asks again.
    }
    await Promise.race([settled, new Promise((r) => setTimeout(r, pollMs))]);
  }
  try {
    return await result;
  } catch (err) {
    throw onboardingError(err) as WarmerError | Error;
  }
}
