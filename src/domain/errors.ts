/**
 * Typed errors shared by every layer. `code` is stable: activities map it to non-retryable Temporal
 * failures (the failure `type` is the code), the CLI maps it to exit codes, drivers map SQL errors to it.
 */
export type WarmerErrorCode =
  | 'ChipNotFound'
  | 'DuplicateChip'
  | 'InvalidPhone'
  | 'InvalidInput'
  | 'UnknownPhase'
  | 'ProviderDisconnected'
  | 'ProviderBanned'
  | 'ProviderConfig'
  | 'NumberNotOnWhatsApp'
  | 'OutsideFleet'
  | 'TurnOutcomeUnknown'
  | 'ConfigError'
  | 'ChipNotWarming'
  | 'ReceiverNotWarming'
  | 'TurnOutOfRange'
  | 'PairInactive'
  | 'DailyCapReached'
  | 'InteractionLimitReached'
  | 'PartnerLimitReached'
  | 'WorkflowRunning'
  | 'WrongNumber'
  | 'InstanceRefused'
  | 'OnboardingTimedOut';

export class WarmerError extends Error {
  constructor(
    readonly code: WarmerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

const make = (code: WarmerErrorCode) =>
  class extends WarmerError {
    constructor(message: string) {
      super(code, message);
    }
  };

export class ChipNotFound extends make('ChipNotFound') {}
export class DuplicateChip extends make('DuplicateChip') {}
export class InvalidPhone extends make('InvalidPhone') {}
export class InvalidInput extends make('InvalidInput') {}
export class ProviderDisconnected extends make('ProviderDisconnected') {}
export class ProviderBanned extends make('ProviderBanned') {}
export class ProviderConfig extends make('ProviderConfig') {}
export class NumberNotOnWhatsApp extends make('NumberNotOnWhatsApp') {}
export class OutsideFleet extends make('OutsideFleet') {}
export class TurnOutcomeUnknown extends make('TurnOutcomeUnknown') {}
export class ConfigError extends make('ConfigError') {}
/** The database refused a turn or a conversation that the program's rules forbid (the last line). */
export class ChipNotWarming extends make('ChipNotWarming') {}
/** The turn's receiver is paused, banned or retired (an operator's pause is recorded before its signal). */
export class ReceiverNotWarming extends make('ReceiverNotWarming') {}
export class TurnOutOfRange extends make('TurnOutOfRange') {}
export class PairInactive extends make('PairInactive') {}
export class DailyCapReached extends make('DailyCapReached') {}
export class InteractionLimitReached extends make('InteractionLimitReached') {}
export class PartnerLimitReached extends make('PartnerLimitReached') {}
/** A chip's workflow is running, so it cannot be restarted. */
export class WorkflowRunning extends make('WorkflowRunning') {}
/** The provider instance is connected to another number than the one given. */
export class WrongNumber extends make('WrongNumber') {}
/** The provider refused to create an instance under that name. */
export class InstanceRefused extends make('InstanceRefused') {}
/** Nobody connected the number before the onboarding's deadline. */
export class OnboardingTimedOut extends make('OnboardingTimedOut') {}

/** Codes that retrying cannot heal: activities throw them as non-retryable failures. */
export const NON_RETRYABLE_CODES: readonly WarmerErrorCode[] = [
  'ChipNotFound',
  'DuplicateChip',
  'InvalidPhone',
  'InvalidInput',
  'UnknownPhase',
  'ProviderDisconnected',
  'ProviderBanned',
  'ProviderConfig',
  'NumberNotOnWhatsApp',
  'OutsideFleet',
  'TurnOutcomeUnknown',
  'ConfigError',
  'ChipNotWarming',
  'ReceiverNotWarming',
  'TurnOutOfRange',
  'PairInactive',
  'DailyCapReached',
  'InteractionLimitReached',
  'PartnerLimitReached',
  'WorkflowRunning',
  'WrongNumber',
  'InstanceRefused',
  'OnboardingTimedOut',
];

export function isWarmerError(err: unknown): err is WarmerError {
  return err instanceof WarmerError;
}

const CLASS_BY_CODE: Partial<Record<WarmerErrorCode, new (message: string) => WarmerError>> = {
  ChipNotFound,
  DuplicateChip,
  InvalidPhone,
  InvalidInput,
  ProviderDisconnected,
  ProviderBanned,
  ProviderConfig,
  NumberNotOnWhatsApp,
  OutsideFleet,
  TurnOutcomeUnknown,
  ConfigError,
  ChipNotWarming,
  ReceiverNotWarming,
  TurnOutOfRange,
  PairInactive,
  DailyCapReached,
  InteractionLimitReached,
  PartnerLimitReached,
  WorkflowRunning,
  WrongNumber,
  InstanceRefused,
  OnboardingTimedOut,
};

/** Rebuilds a typed error that crossed a process boundary as `{ code, message }`. */
export function warmerErrorFromCode(code: WarmerErrorCode, message: string): WarmerError {
  const Known = CLASS_BY_CODE[code];
  return Known ? new Known(message) : new WarmerError(code, message);
}
