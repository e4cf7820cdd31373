import { describe, expect, it } from 'vitest';
import { HOLDINGS_UPDATE_EXPRESSION, holdingsKey, holdingsUpdate } from '#shared/holdings.ts';

describe('holdingsUpdate', () => {
  it('posts a balanced entry: spent is cost plus fee', () => {
    expect(
      holdingsUpdate(
        'executions',
        { userId: 'u1', currency: 'EUR', sats: 54_234n, spentMinor: 2500n, feeMinor: 15n },
        '2027-03-02T08:00:04.000Z',
      ),
    ).toEqual({
      Update: {
        TableName: 'executions',
        Key: { ownerPlan: 'holdings#u1', scheduledFor: 'EUR' },
        UpdateExpression: HOLDINGS_UPDATE_EXPRESSION,
        ExpressionAttributeValues: {
          ':sats': 54_234,
          ':spent': 2500,
          ':fee': 15,
          ':cost': 2485,
          ':one': 1,
          ':currency': 'EUR',
          ':user': 'u1',
          ':now': '2027-03-02T08:00:04.000Z',
        },
      },
    });
  });

  it('keeps a user holdings partition apart from every plan partition', () => {
    // Plan partitions are `<userId>#<planId>`: a user id first, never the literal prefix.
    expect(holdingsKey('u1', 'GBP')).toEqual({ ownerPlan: 'holdings#u1', scheduledFor: 'GBP' });
  });

  it.each([
    { sats: 1n, spentMinor: 10n, feeMinor: 11n },
    { sats: 1n, spentMinor: 10n, feeMinor: -1n },
    { sats: -1n, spentMinor: 10n, feeMinor: 1n },
  ])('refuses a posting that cannot balance: %o', (posting) => {
    expect(() =>
      holdingsUpdate('executions', { userId: 'u1', currency: 'EUR', ...posting }, 'now'),
    ).toThrow(RangeError);
  });
});
