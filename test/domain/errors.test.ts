/**
 * One error table (src/domain/errors.ts): the classes, the failure types activities never retry,
 * the typed errors clients rebuild from Temporal failures, the CLI's exit codes and the console's
 * statuses all come from it.
 */
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { ProviderUnavailable } from '../../src/adapters/messaging/provider-unavailable';
import { revivedFailure } from '../../src/client/failures';
import {
  ChipActionRefused,
  ChipNotFound,
  ERROR_CODES,
  ERROR_TABLE,
  NON_RETRYABLE_TYPES,
  PartnerRefused,
  WarmerError,
  failureFields,
  isWarmerError,
  reviveError,
} from '../../src/domain/errors';
import { UnknownPhase } from '../../src/domain/phases';

describe('each code, from its row', () => {
  test.each(ERROR_CODES.filter((code) => ERROR_TABLE[code].revive))('%s revives as its own typed error', (code) => {
    const err = reviveError(code, `a ${code}`, code === 'PartnerRefused' ? [{ reason: 'busy' }] : []);
    expect(err).toBeInstanceOf(WarmerError);
    expect(err).toMatchObject({ code, name: code, retryable: ERROR_TABLE[code].retryable });
    // What it becomes on the wire revives to the same error again.
    const fields = failureFields(err!);
    expect(reviveError(fields.type, fields.message, fields.details)).toEqual(err);
  });

  test('only the provider being unavailable is retryable; every other code is a non-retryable failure type', () => {
    expect(ERROR_CODES.filter((code) => ERROR_TABLE[code].retryable)).toEqual(['ProviderUnavailable']);
    expect([...NON_RETRYABLE_TYPES].sort()).toEqual(ERROR_CODES.filter((code) => code !== 'ProviderUnavailable').sort());
    expect(new ProviderUnavailable('timed out', 'timeout')).toMatchObject({
      code: 'ProviderUnavailable',
      retryable: true,
      reason: 'timeout',
    });
    expect(isWarmerError(new UnknownPhase('nope'))).toBe(true);
  });

  test.each([
    [new ChipNotFound('x'), 404, 1],
    [new ChipActionRefused('x'), 409, 1],
    [new PartnerRefused({ reason: 'paused' }), 409, 1],
  ])('%s: console status %i, CLI exit %i', (err, status, exit) => {
    expect(ERROR_TABLE[err.code]).toMatchObject({ httpStatus: status, exitCode: exit });
  });

  test('a class per code: instances of one are not instances of another', () => {
    expect(new ChipNotFound('x')).toBeInstanceOf(ChipNotFound);
    expect(new ChipNotFound('x')).not.toBeInstanceOf(ChipActionRefused);
  });
});

describe('revival', () => {
  test('a failure type that is not a code, or a code the table does not revive, stays as it is', () => {
    expect(reviveError('Error', 'boom')).toBeUndefined();
    expect(reviveError('constructor', 'boom')).toBeUndefined();
    expect(reviveError('ProviderUnavailable', 'timed out')).toBeUndefined();
  });

  test('a failure without a message gets the row`s hint', () => {
    expect(reviveError('ChipNotFound', '')?.message).toBe(ERROR_TABLE.ChipNotFound.hint);
  });

  test("a partner's refusal revives with its typed refusal; details that are not one are not trusted", () => {
    const typed = reviveError('PartnerRefused', 'partner refused: cap_reached (remaining 2)', [{ reason: 'cap_reached', remaining: 2 }]);
    expect(typed).toBeInstanceOf(PartnerRefused);
    expect((typed as PartnerRefused).refusal).toEqual({ reason: 'cap_reached', remaining: 2 });
    const hostile = reviveError('PartnerRefused', 'partner refused', [{ reason: 'cap_reached', remaining: 1e9 + 0.5 }]);
    expect((hostile as PartnerRefused).refusal).toEqual({ reason: 'unknown', message: 'partner refused' });
  });

  test('a client finds the typed error inside an activity failure', () => {
    const cause = ApplicationFailure.create(failureFields(new ChipNotFound('no chip x')));
    const failure = new ActivityFailure('activity failed', 'planConversation', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
    const typed = revivedFailure(failure);
    expect(typed).toBeInstanceOf(ChipNotFound);
    expect(typed?.message).toBe('no chip x');
    expect(revivedFailure(new ActivityFailure('activity failed', 'x', '1', RetryState.TIMEOUT, 'w', new Error('plain')))).toBeUndefined();
  });
});
