/**
 * One workflow per new number (id onboarding/<instance>): find or create the provider instance, point
 * its webhook here and apply the warm-up's settings, wait durably for the number to connect (fresh
 * codes as old ones expire), check the connected number is the phone given, then register the chip
 * and start its ChipWarmupWorkflow (not a child: the warm-up outlives the onboarding).
 *
 * Waiting costs no process: a timer until the code expires (or the deadline), woken early by the
 * connection report the webhook bridge forwards. Every poll also asks the provider's own state, so
 * a lost webhook only delays the onboarding. A wrong number, a refused name or the deadline end it
 * with the reason and an alert; nothing is registered then and the instance is left to the operator.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ContinueAsNew,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { FetchedCode, OnboardingActivities, PollResult } from '../activities/onboarding-types';
import {
  decideInstance,
  onboardingDetails,
  type OnboardingStep,
  type OnboardingView,
  CODE_PENDING_RETRY_MS,
  wrongNumberReason,
} from '../domain/onboarding';
import { maskPhone } from '../domain/phone';
import { type OnboardingInput, type OnboardingResult, connectionHintSignal, onboardingQuery } from './onboarding-api';
import { retryPolicy } from './retry';

/** Provider calls of the setup steps: a provider that is down for minutes ends the onboarding with the reason. */
const setup = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '1 minute',
  retry: retryPolicy({ initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 }),
});
/** A failed poll is tried again at the next wake; the code on screen stays until then. */
const polls = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '2 seconds', maximumAttempts: 3 }),
});
/** Right after a connection the provider may not report the owner yet: a few minutes of patience. */
const verify = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 12 }),
});
/** Registration and the failure report retry until the database and Temporal answer. */
const records = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '1 minute',
  retry: retryPolicy({ initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});

/** Never poll in a tighter loop than this, whatever the code's lifetime. */
const MIN_WAIT_MS = 1_000;
/** Well under the server's warning threshold: a day of one-minute codes fits in about three runs. */
const MAX_HISTORY_EVENTS = 4_000;

/** An end the workflow decides itself (a wrong number it saw, the deadline). */
class OnboardingStop extends Error {
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

export async function OnboardingWorkflow(input: OnboardingInput): Promise<OnboardingResult> {
  const { instanceName, phone, method, carried } = input;
  const request = { instanceName, phone, method };
  const startedAtMs = carried?.startedAtMs ?? Date.now();
  const view: OnboardingView = {
    instanceName,
    phone: maskPhone(phone),
    fleetId: input.fleetId,
    method,
    step: carried?.step ?? 'checking_instance',
    code: carried?.code ?? null,
    startedAtMs,
    deadlineMs: carried?.deadlineMs ?? startedAtMs + input.settings.timeoutMs,
    chipId: null,
    chipWorkflowId: null,
    failure: null,
    adopted: carried?.adopted ?? false,
    created: carried?.created ?? false,
    codesShown: carried?.codesShown ?? 0,
  };
  let hint = false;
  setHandler(onboardingQuery, () => view);
  setHandler(connectionHintSignal, () => {
    hint = true;
  });

  const enter = (step: OnboardingStep) => {
    view.step = step;
    setCurrentDetails(onboardingDetails(view));
  };
  const show = (code: FetchedCode) => {
    const now = Date.now();
    if (view.code?.value !== code.value) view.codesShown += 1;
    view.code = { kind: method, value: code.value, count: code.count, issuedAtMs: now, expiresAtMs: now + input.settings.codeLifetimeMs };
    setCurrentDetails(onboardingDetails(view));
  };
  const poll = async (): Promise<PollResult | null> => {
    try {
      return await polls.pollConnection(request);
    } catch (err) {
      if (err instanceof ActivityFailure) return null;
      throw err;
    }
  };

  /** Until the number is connected: a code on screen, replaced when it expires, until the deadline. */
  const waitForConnection = async (): Promise<void> => {
    enter('waiting_for_connection');
    // A new run asks at once: a connection report that came as the last run ended is not lost.
    let refreshAtMs = view.code && !carried ? view.code.expiresAtMs : Date.now();
    for (;;) {
      const overdue = Date.now() >= view.deadlineMs;
      if (overdue || hint || Date.now() >= refreshAtMs) {
        hint = false;
        const polled = await poll();
        if (polled?.state === 'open') return;
        if (overdue) {
          const hours = Math.round((input.settings.timeoutMs / 3_600_000) * 10) / 10;
          throw new OnboardingStop(
            'OnboardingTimedOut',
            `Number ${view.phone} did not connect to instance '${instanceName}' within ${hours} h (${view.codesShown} code(s) shown). ` +
              'Nothing was registered; the instance is left as it is: run the onboarding again to show a new code.',
          );
        }
        if (polled?.state === 'waiting' && polled.code) show(polled.code);
        refreshAtMs = polled?.state === 'waiting' && polled.code ? view.code!.expiresAtMs : Date.now() + CODE_PENDING_RETRY_MS;
      }
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? MAX_HISTORY_EVENTS)) {
        await continueAsNew<typeof OnboardingWorkflow>({
          ...input,
          carried: {
            step: view.step,
            startedAtMs,
            deadlineMs: view.deadlineMs,
            code: view.code,
            codesShown: view.codesShown,
            created: view.created,
            adopted: view.adopted,
          },
        });
      }
      const wait = Math.max(MIN_WAIT_MS, Math.min(refreshAtMs, view.deadlineMs) - Date.now());
      await condition(() => hint, wait, { summary: view.code ? `code #${view.code.count} expires` : 'ask the provider again' });
    }
  };

  try {
    let connected = false;
    if (carried) {
      await waitForConnection();
    } else {
      enter('checking_instance');
      const found = await setup.inspectInstance({ instanceName });
      const decision = decideInstance(found, phone);
      if (decision === 'wrong_number') throw new OnboardingStop('WrongNumber', wrongNumberReason(instanceName, found!.ownerPhone!, phone));
      if (decision === 'create') {
        enter('creating_instance');
        view.created = true;
        const code = await setup.createInstance(request);
        if (code) show(code);
      } else {
        view.adopted = true;
        connected = decision === 'adopt' || decision === 'await_owner';
      }
      enter('configuring');
      await setup.configureInstance({ instanceName });
      if (!connected) await waitForConnection();
    }
    const connectedAfterMs = Date.now() - startedAtMs;
    view.code = null;
    enter('verifying_number');
    await verify.verifyConnectedNumber({ instanceName, phone });
    enter('registering');
    const chip = await records.registerOnboardedChip({ phone, instanceName, fleetId: input.fleetId });
    view.chipId = chip.chipId;
    view.chipWorkflowId = chip.chipWorkflowId;
    enter('warming');
    return {
      instanceName,
      phone: view.phone,
      chipId: chip.chipId,
      chipWorkflowId: chip.chipWorkflowId,
      adopted: view.adopted,
      created: view.created,
      codesShown: view.codesShown,
      connectedAfterMs,
    };
  } catch (err) {
    if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
    const failure = failureOf(err);
    view.failure = failure;
    view.code = null;
    enter('failed');
    await records.reportOnboardingFailure({ instanceName, phone, ...failure, requestedBy: input.requestedBy, startedAtMs });
    throw ApplicationFailure.nonRetryable(failure.reason, failure.code);
  }
}

/** The typed reason of an end: the activity's error code when it has one. */
function failureOf(err: unknown): { code: string; reason: string } {
  if (err instanceof OnboardingStop) return { code: err.code, reason: err.message };
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    // A retryable error that ran out of attempts carries its class name, not a code.
    const typed = err.cause.type && err.cause.type !== 'Error' ? err.cause.type : 'OnboardingFailed';
    return { code: typed, reason: err.cause.message };
  }
  if (err instanceof ActivityFailure) return { code: 'ProviderUnavailable', reason: err.cause?.message ?? err.message };
  return { code: 'OnboardingFailed', reason: err instanceof Error ? err.message : String(err) };
}
