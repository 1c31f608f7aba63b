/**
 * Typed errors shared by every layer, all from one table: a code names a failure everywhere (the
 * error's class and `name`, the `type` of the Temporal failure an activity or an Update throws, the
 * `code` a driver maps an SQL error to), and its row says whether a retry may heal it (activities'
 * retry options list the others as non-retryable), whether a client rebuilds the typed error from a
 * failure that crossed a process boundary, the CLI's exit code and the console's HTTP status.
 */
import { type ReservationRefusal, asRefusal, refusalMessage } from './refusal';

export interface ErrorSpec {
  /** A retry may heal it (the provider answers again): activities leave it to their retry policy. */
  retryable: boolean;
  /** A client rebuilds the typed error from a failure of this type (its extra fields travel in details). */
  revive: boolean;
  /** The CLI's exit code. */
  exitCode: number;
  /** The console's HTTP status. */
  httpStatus: number;
  /** What it means, in one line: the message of a failure that arrived without one. */
  hint: string;
}

/** Most failures: no retry heals them, clients rebuild them, the CLI exits 1, the console answers 400. */
const nonRetryable = (hint: string, httpStatus = 400): ErrorSpec => ({ retryable: false, revive: true, exitCode: 1, httpStatus, hint });

export const ERROR_TABLE = {
  ChipNotFound: nonRetryable('no chip with that id, instance name or phone', 404),
  DuplicateChip: nonRetryable('the phone or instance is already registered'),
  InvalidPhone: nonRetryable('not a phone number in E.164 form'),
  InvalidInput: nonRetryable('an input failed its check'),
  UnknownPhase: nonRetryable('not a phase of the warm-up program'),
  ConfigError: nonRetryable('the configuration is missing or wrong'),
  ProviderDisconnected: nonRetryable("the provider's instance is not connected"),
  ProviderConfig: nonRetryable('the provider refused the instance or its credentials'),
  ProviderUnavailable: { retryable: true, revive: false, exitCode: 1, httpStatus: 503, hint: 'the provider could not answer now' },
  NumberNotOnWhatsApp: nonRetryable('the number is not on WhatsApp'),
  NotGroupMember: nonRetryable('the instance is not (or no longer) a member of the group it addressed, or the group does not exist'),
  OutsideFleet: nonRetryable('warm-up messages go only between chips of one fleet'),
  TurnOutcomeUnknown: nonRetryable('a turn was claimed but its send was never confirmed'),
  ChipNotWarming: nonRetryable('the chip is not warming'),
  ReceiverNotWarming: nonRetryable("the turn's receiver is not warming"),
  TurnOutOfRange: nonRetryable("the turn is past the conversation's end"),
  PairInactive: nonRetryable('the two chips are not an active pair'),
  DailyCapReached: nonRetryable("the send would exceed the chip's daily cap"),
  InteractionLimitReached: nonRetryable('the chips had their daily share of conversations'),
  PartnerLimitReached: nonRetryable('the chip has its most partners'),
  GroupQuarantine: nonRetryable('a quarantined chip does not post in a group with healthy members'),
  PartnerRefused: nonRetryable('the partner cannot take part in a conversation now', 409),
  WorkflowRunning: nonRetryable("the chip's warm-up workflow is running", 409),
  ChipActionRefused: nonRetryable('the action cannot apply to this chip', 409),
  TemporalUnavailable: nonRetryable('Temporal did not answer', 503),
  EventNotFound: nonRetryable('no such event in the outbox'),
  WrongNumber: nonRetryable('the instance is connected to another number'),
  InstanceRefused: nonRetryable('the provider refused to create an instance under that name'),
  OnboardingTimedOut: nonRetryable('nobody connected the number before the onboarding deadline'),
} as const satisfies Record<string, ErrorSpec>;

export type WarmerErrorCode = keyof typeof ERROR_TABLE;

export const ERROR_CODES = Object.keys(ERROR_TABLE) as WarmerErrorCode[];

export function isWarmerErrorCode(value: unknown): value is WarmerErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_TABLE, value);
}

/** Failure types a retry cannot heal: the activities' retry options' nonRetryableErrorTypes. */
export const NON_RETRYABLE_TYPES: readonly WarmerErrorCode[] = ERROR_CODES.filter((code) => !ERROR_TABLE[code].retryable);

export class WarmerError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: WarmerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.retryable = ERROR_TABLE[code].retryable;
  }

  /** What travels beside the message when the error crosses a process boundary. */
  get details(): unknown {
    return undefined;
  }
}

export function isWarmerError(err: unknown): err is WarmerError {
  return err instanceof WarmerError;
}

/** The class of each code whose errors are a message only: what revival rebuilds. */
const CLASSES = new Map<WarmerErrorCode, new (message: string) => WarmerError>();

/** The error class of a code: errors built by it carry the code, and revival rebuilds this class. */
function errorClass<C extends WarmerErrorCode>(code: C) {
  const Coded = class extends WarmerError {
    declare readonly code: C;
    constructor(message: string) {
      super(code, message);
    }
  };
  CLASSES.set(code, Coded);
  return Coded;
}

export const ChipNotFound = errorClass('ChipNotFound');
export type ChipNotFound = InstanceType<typeof ChipNotFound>;
export const DuplicateChip = errorClass('DuplicateChip');
export type DuplicateChip = InstanceType<typeof DuplicateChip>;
export const InvalidPhone = errorClass('InvalidPhone');
export type InvalidPhone = InstanceType<typeof InvalidPhone>;
export const InvalidInput = errorClass('InvalidInput');
export type InvalidInput = InstanceType<typeof InvalidInput>;
export const ConfigError = errorClass('ConfigError');
export type ConfigError = InstanceType<typeof ConfigError>;
export const ProviderDisconnected = errorClass('ProviderDisconnected');
export type ProviderDisconnected = InstanceType<typeof ProviderDisconnected>;
export const ProviderConfig = errorClass('ProviderConfig');
export type ProviderConfig = InstanceType<typeof ProviderConfig>;
export const NumberNotOnWhatsApp = errorClass('NumberNotOnWhatsApp');
export type NumberNotOnWhatsApp = InstanceType<typeof NumberNotOnWhatsApp>;
export const NotGroupMember = errorClass('NotGroupMember');
export type NotGroupMember = InstanceType<typeof NotGroupMember>;
export const OutsideFleet = errorClass('OutsideFleet');
export type OutsideFleet = InstanceType<typeof OutsideFleet>;
export const TurnOutcomeUnknown = errorClass('TurnOutcomeUnknown');
export type TurnOutcomeUnknown = InstanceType<typeof TurnOutcomeUnknown>;
/** The database refused a turn or a conversation that the program's rules forbid (the last line). */
export const ChipNotWarming = errorClass('ChipNotWarming');
export type ChipNotWarming = InstanceType<typeof ChipNotWarming>;
/** The turn's receiver is paused, banned or retired (an operator's pause is recorded before its signal). */
export const ReceiverNotWarming = errorClass('ReceiverNotWarming');
export type ReceiverNotWarming = InstanceType<typeof ReceiverNotWarming>;
export const TurnOutOfRange = errorClass('TurnOutOfRange');
export type TurnOutOfRange = InstanceType<typeof TurnOutOfRange>;
export const PairInactive = errorClass('PairInactive');
export type PairInactive = InstanceType<typeof PairInactive>;
export const DailyCapReached = errorClass('DailyCapReached');
export type DailyCapReached = InstanceType<typeof DailyCapReached>;
export const InteractionLimitReached = errorClass('InteractionLimitReached');
export type InteractionLimitReached = InstanceType<typeof InteractionLimitReached>;
export const PartnerLimitReached = errorClass('PartnerLimitReached');
export type PartnerLimitReached = InstanceType<typeof PartnerLimitReached>;
/** The database refused a group message from a quarantined chip while healthy members are in the group. */
export const GroupQuarantine = errorClass('GroupQuarantine');
export type GroupQuarantine = InstanceType<typeof GroupQuarantine>;
/** A chip's workflow is running, so it cannot be restarted. */
export const WorkflowRunning = errorClass('WorkflowRunning');
export type WorkflowRunning = InstanceType<typeof WorkflowRunning>;
/** An operator's action cannot apply to this chip (its warm-up has ended, or it has none). */
export const ChipActionRefused = errorClass('ChipActionRefused');
export type ChipActionRefused = InstanceType<typeof ChipActionRefused>;
export const TemporalUnavailable = errorClass('TemporalUnavailable');
export type TemporalUnavailable = InstanceType<typeof TemporalUnavailable>;
export const EventNotFound = errorClass('EventNotFound');
export type EventNotFound = InstanceType<typeof EventNotFound>;
/** The provider instance is connected to another number than the one given. */
export const WrongNumber = errorClass('WrongNumber');
export type WrongNumber = InstanceType<typeof WrongNumber>;
/** The provider refused to create an instance under that name. */
export const InstanceRefused = errorClass('InstanceRefused');
export type InstanceRefused = InstanceType<typeof InstanceRefused>;
/** Nobody connected the number before the onboarding's deadline. */
export const OnboardingTimedOut = errorClass('OnboardingTimedOut');
export type OnboardingTimedOut = InstanceType<typeof OnboardingTimedOut>;

/** A partner's workflow refused a reservation; `refusal` says why, typed (domain/refusal.ts). */
export class PartnerRefused extends WarmerError {
  declare readonly code: 'PartnerRefused';

  constructor(readonly refusal: ReservationRefusal) {
    super('PartnerRefused', refusalMessage(refusal));
  }

  override get details(): ReservationRefusal {
    return this.refusal;
  }
}

/**
 * The fields of the Temporal failure a typed error becomes (`ApplicationFailure.create(...)`): its
 * type is the code, its details what the error carries beyond its message.
 */
export function failureFields(err: WarmerError): { type: WarmerErrorCode; message: string; nonRetryable: boolean; details: unknown[] } {
  return { type: err.code, message: err.message, nonRetryable: !err.retryable, details: err.details === undefined ? [] : [err.details] };
}

/**
 * Rebuilds the typed error of a failure that crossed a process boundary as a type, a message and
 * details (a Temporal failure, an RPC answer); undefined when the table says it is not revived or
 * the type is not a code.
 */
export function reviveError(type: unknown, message: string, details: readonly unknown[] = []): WarmerError | undefined {
  if (!isWarmerErrorCode(type) || !ERROR_TABLE[type].revive) return undefined;
  const text = message || ERROR_TABLE[type].hint;
  if (type === 'PartnerRefused') return new PartnerRefused(asRefusal(details[0]) ?? { reason: 'unknown', message: text });
  const Known = CLASSES.get(type);
  return Known ? new Known(text) : new WarmerError(type, text);
}
