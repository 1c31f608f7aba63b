import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../src/activities/failures';
import { toWarmerError } from '../../src/adapters/db/errors';

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
