/**
 * Maps what the database says (pg / PGlite errors, PostgREST error bodies) to the typed errors of
 * src/domain/errors.ts. The SQL functions raise SQLSTATE class WR with a message prefixed by the
 * error's name (supabase/migrations/*_warmup_functions.sql); plain constraint and cast failures map
 * to InvalidInput; anything else (connection loss, timeouts) is returned unchanged so it stays
 * retryable.
 */
import {
  ChipNotFound,
  ChipNotWarming,
  ReceiverNotWarming,
  NotGroupMember,
  GroupQuarantine,
  DailyCapReached,
  InteractionLimitReached,
  PairInactive,
  PartnerLimitReached,
  TurnOutOfRange,
  ConfigError,
  DuplicateChip,
  InvalidInput,
  InvalidPhone,
  OutsideFleet,
  WarmerError,
  isWarmerError,
} from '../../domain/errors';
import { UnknownPhase } from '../../domain/phases';

/** SQLSTATEs raised by the SQL functions. */
export const SQLSTATE = {
  ChipNotFound: 'WR001',
  DuplicateChip: 'WR002',
  InvalidPhone: 'WR003',
  InvalidInput: 'WR004',
  UnknownPhase: 'WR005',
  OutsideFleet: 'WR006',
  ChipNotWarming: 'WR007',
  TurnOutOfRange: 'WR008',
  PairInactive: 'WR009',
  DailyCapReached: 'WR010',
  InteractionLimitReached: 'WR011',
  PartnerLimitReached: 'WR012',
  // WR020 on: the adaptive ramp's migration (*_adaptive_ramp_quarantine.sql).
  ReceiverNotWarming: 'WR020',
  // WR040 on: the fleet groups' migration (*_fleet_groups.sql).
  NotGroupMember: 'WR040',
  GroupQuarantine: 'WR041',
} as const;

type Builder = (message: string, detail: string | undefined) => WarmerError;

const BY_NAME: Record<keyof typeof SQLSTATE, Builder> = {
  ChipNotFound: (m) => new ChipNotFound(m),
  DuplicateChip: (m) => new DuplicateChip(m),
  InvalidPhone: (m) => new InvalidPhone(m),
  InvalidInput: (m) => new InvalidInput(m),
  UnknownPhase: (_m, detail) => new UnknownPhase(detail ?? ''),
  OutsideFleet: (m) => new OutsideFleet(m),
  ChipNotWarming: (m) => new ChipNotWarming(m),
  TurnOutOfRange: (m) => new TurnOutOfRange(m),
  PairInactive: (m) => new PairInactive(m),
  DailyCapReached: (m) => new DailyCapReached(m),
  InteractionLimitReached: (m) => new InteractionLimitReached(m),
  PartnerLimitReached: (m) => new PartnerLimitReached(m),
  ReceiverNotWarming: (m) => new ReceiverNotWarming(m),
  NotGroupMember: (m) => new NotGroupMember(m),
  GroupQuarantine: (m) => new GroupQuarantine(m),
};

const BY_CODE = new Map<string, keyof typeof SQLSTATE>(
  Object.entries(SQLSTATE).map(([name, code]) => [code, name as keyof typeof SQLSTATE]),
);

/** Input the database refused on its own: constraint violations, bad casts, bad dates. */
const INVALID_INPUT_CODES = new Set(['23502', '23503', '23514', '22P02', '22007', '22008', '22003', '22023', '22004']);

/** The schema is not there: migrations were never applied (or PostgREST's cache is stale). */
const MISSING_SCHEMA_CODES = new Set(['PGRST202', 'PGRST205', '42883', '42P01']);

interface DbErrorShape {
  code?: unknown;
  message?: unknown;
  /** pg / PGlite */
  detail?: unknown;
  /** PostgREST */
  details?: unknown;
  constraint?: unknown;
}

function stripPrefix(message: string, name: string): string {
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}

/** Returns the typed error for a database failure, or the failure itself when it is not one of ours. */
export function toWarmerError(err: unknown): unknown {
  if (isWarmerError(err) || typeof err !== 'object' || err === null) return err;
  const e = err as DbErrorShape;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const rawDetail = typeof e.detail === 'string' ? e.detail : typeof e.details === 'string' ? e.details : undefined;

  const byCode = BY_CODE.get(code);
  const byPrefix = (Object.keys(SQLSTATE) as (keyof typeof SQLSTATE)[]).find((n) => message.startsWith(`${n}: `));
  const name = byCode ?? byPrefix;
  if (name) return BY_NAME[name](stripPrefix(message, name), rawDetail);

  if (code === '23505') {
    const where = `${typeof e.constraint === 'string' ? e.constraint : ''} ${message} ${rawDetail ?? ''}`;
    if (where.includes('warmup_chips')) return new DuplicateChip(`${message}. A chip with this phone or instance is already registered.`);
    return new InvalidInput(message);
  }
  if (INVALID_INPUT_CODES.has(code)) return new InvalidInput(rawDetail ? `${message} (${rawDetail})` : message);
  if (MISSING_SCHEMA_CODES.has(code)) {
    return new ConfigError(
      `The Warmer schema is missing from the database (${message}). Apply supabase/migrations: ` +
        '`supabase db push` on Supabase, or `npx warmer db migrate` (the worker also migrates PostgreSQL and the embedded database at start).',
    );
  }
  return err;
}
