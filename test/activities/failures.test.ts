import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { refusalFromUpdateFailure } from '../../src/client/chip-directory';
import { toActivityFailure } from '../../src/activities/failures';
import { toWarmerError } from '../../src/adapters/db/errors';
import { ProviderUnavailable } from '../../src/adapters/messaging/provider-unavailable';
import { ChipNotFound, NON_RETRYABLE_TYPES, PartnerRefused, failureFields } from '../../src/domain/errors';

describe('refusals of the database become non-retryable activity failures', () => {
  it.each([
    ['WR007', 'ChipNotWarming'],
    ['WR008', 'TurnOutOfRange'],
    ['WR009', 'PairInactive'],
    ['WR010', 'DailyCapReached'],
    ['WR011', 'InteractionLimitReached'],
    ['WR012', 'PartnerLimitReached'],
  ])('%s -> %s', (code, name) => {
    const failure = toActivityFailure(toWarmerError({ code, message: `${name}: refused for a reason` }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: name, nonRetryable: true, message: 'refused for a reason' });
  });

  it('leaves a connection failure retryable', () => {
    const err = Object.assign(new Error('Connection terminated'), { code: '57P01' });
    expect(toActivityFailure(toWarmerError(err))).toBe(err);
  });
});

describe('the error table decides what an activity failure is', () => {
  it('a non-retryable code becomes a non-retryable failure typed by its code, keeping the stack', () => {
    const err = new ChipNotFound('no chip x');
    const failure = toActivityFailure(err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ChipNotFound', nonRetryable: true, message: 'no chip x', details: [] });
    expect((failure as Error).stack).toBe(err.stack);
  });

  it('a retryable code (the provider could not answer) is left to the retry policy', () => {
    const err = new ProviderUnavailable('timed out', 'timeout');
    expect(toActivityFailure(err)).toBe(err);
    expect(NON_RETRYABLE_TYPES).not.toContain('ProviderUnavailable');
  });

  it("a partner's refusal carries the refusal in its details", () => {
    const failure = toActivityFailure(new PartnerRefused({ reason: 'cap_reached', remaining: 2 }));
    expect(failure).toMatchObject({ type: 'PartnerRefused', nonRetryable: true, details: [{ reason: 'cap_reached', remaining: 2 }] });
  });
});

describe("a reservation's refusal as the chip directory reads it", () => {
  const updateFailure = (cause: Error) => new WorkflowUpdateFailedError('Workflow Update failed', cause);

  it('typed: the refusal from the failure details', () => {
    const cause = ApplicationFailure.create(failureFields(new PartnerRefused({ reason: 'cap_reached', remaining: 1 })));
    expect(refusalFromUpdateFailure(updateFailure(cause))).toEqual({ reason: 'cap_reached', remaining: 1 });
  });

  it('from a worker that predates typed refusals: a refusal without a reason, its text kept, never parsed', () => {
    const cause = ApplicationFailure.create({ type: 'Error', message: 'partner refused: cap_reached (remaining 0)' });
    expect(refusalFromUpdateFailure(updateFailure(cause))).toEqual({
      reason: 'unknown',
      message: 'partner refused: cap_reached (remaining 0)',
    });
  });

  it('details that are not a refusal are not trusted', () => {
    const cause = ApplicationFailure.create({
      type: 'PartnerRefused',
      message: 'partner refused',
      details: [{ reason: 'cap_reached', remaining: 'lots' }],
    });
    expect(refusalFromUpdateFailure(updateFailure(cause))).toEqual({ reason: 'unknown', message: 'partner refused' });
  });
});
