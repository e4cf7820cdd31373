/**
 * The bus event catalog: what it lists, the entries publishers build from it, the rule patterns
 * built from it, and how it judges a payload.
 */
import { describe, expect, it } from 'vitest';
import { notificationEventOf } from '#domain/notifications.ts';
import {
  BUS_EVENTS,
  DETAIL_TYPES,
  busEntry,
  detailProblems,
  type PlanRunMissedDetail,
} from '#shared/bus-events.ts';
import {
  NOTIFICATIONS_EVENT_PATTERN,
  NOTIFYING_EVENTS,
  PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN,
  patternOf,
} from '#shared/events.ts';

const MISSED: PlanRunMissedDetail = {
  planId: 'p-1',
  userId: 'u-1',
  scheduledFor: '2027-01-04T08:00:00Z',
  clientOrderId: 'p-1-20270104T080000Z',
  amount: '25.00',
  currency: 'EUR',
  nextRunAt: null,
  action: 'ENDED',
};

describe('the bus event catalog', () => {
  it('lists every event on the bus, each from the one component that publishes it', () => {
    expect(Object.fromEntries(DETAIL_TYPES.map((type) => [type, BUS_EVENTS[type].source]))).toEqual(
      {
        PurchaseSucceeded: 'savings.purchases',
        PurchaseFailed: 'savings.purchases',
        PurchaseSkipped: 'savings.purchases',
        PlanRunMissed: 'savings.scheduler',
        PlanChanged: 'savings.plans',
        ReconciliationBreak: 'savings.reconciliation',
        ReconciliationCompleted: 'savings.reconciliation',
        NotificationSent: 'savings.notifications',
      },
    );
  });

  it('keys every entry by its own detail-type', () => {
    expect(DETAIL_TYPES.filter((type) => BUS_EVENTS[type].detailType !== type)).toEqual([]);
  });

  it('builds a PutEvents entry with the source and detail-type of the catalog', () => {
    expect(busEntry('savings-events', 'PlanRunMissed', MISSED)).toEqual({
      EventBusName: 'savings-events',
      Source: 'savings.scheduler',
      DetailType: 'PlanRunMissed',
      Detail: JSON.stringify(MISSED),
    });
  });
});

describe('detailProblems', () => {
  it('finds nothing wrong with a detail of the catalog’s shape', () => {
    expect(detailProblems('savings.scheduler', 'PlanRunMissed', MISSED)).toEqual([]);
    expect(
      detailProblems('savings.scheduler', 'PlanRunMissed', {
        ...MISSED,
        nextRunAt: '2027-01-05T08:00:00Z',
        action: 'REARMED',
      }),
    ).toEqual([]);
  });

  it('names a missing field, an extra one, a wrong type, a value not listed and a null not allowed', () => {
    const { amount: _amount, ...withoutAmount } = MISSED;
    expect(
      detailProblems('savings.scheduler', 'PlanRunMissed', {
        ...withoutAmount,
        currency: 978,
        action: 'POSTPONED',
        planId: null,
        reason: 'late',
      }),
    ).toEqual([
      'PlanRunMissed.planId must be string, not null',
      'PlanRunMissed.amount is missing',
      'PlanRunMissed.currency must be string, not number',
      'PlanRunMissed.action must be one of REARMED, ENDED, NONE, not POSTPONED',
      'PlanRunMissed.reason is not in the catalog',
    ]);
  });

  it('refuses an event from another source than the catalog’s', () => {
    expect(detailProblems('savings.purchases', 'PlanRunMissed', MISSED)).toEqual([
      'PlanRunMissed comes from savings.scheduler, not savings.purchases',
    ]);
  });

  it('refuses an event the catalog does not have, and a detail that is not an object', () => {
    expect(detailProblems('savings.plans', 'PlanPaused', {})).toEqual([
      'PlanPaused is not an event of the catalog',
    ]);
    expect(detailProblems('savings.scheduler', 'PlanRunMissed', [MISSED])).toEqual([
      "PlanRunMissed's detail is not an object",
    ]);
  });
});

describe('the notifications rule', () => {
  it('matches exactly the events a person is told of at once, by their sources in the catalog', () => {
    expect(NOTIFICATIONS_EVENT_PATTERN).toEqual({
      source: ['savings.purchases', 'savings.scheduler'],
      'detail-type': ['PurchaseSucceeded', 'PurchaseFailed', 'PlanRunMissed'],
    });
  });

  it('leaves plan changes to the plan-change rule, whose queue lets a burst settle', () => {
    expect(PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN).toEqual({
      source: ['savings.plans'],
      'detail-type': ['PlanChanged'],
    });
  });

  it('routes every event the notifier has words for, and no other', () => {
    expect(DETAIL_TYPES.filter((type) => notificationEventOf(type) !== null)).toEqual([
      ...NOTIFYING_EVENTS,
    ]);
  });

  it('lists each source once, in the order of the events', () => {
    expect(patternOf(['NotificationSent', 'PurchaseFailed', 'PurchaseSkipped'])).toEqual({
      source: ['savings.notifications', 'savings.purchases'],
      'detail-type': ['NotificationSent', 'PurchaseFailed', 'PurchaseSkipped'],
    });
  });
});
