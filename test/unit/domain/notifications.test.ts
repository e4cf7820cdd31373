/**
 * Notifications: the words a person reads for each event (email subject, text and HTML, SMS) and
 * the rules of their notification preferences. The plan buys 25.00 EUR every Monday at 09:00
 * Europe/Berlin; figures are the paper exchange's (fee rate 0.006), worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  channelsFor,
  composeMessage,
  defaultPreferences,
  describeSchedule,
  escapeHtml,
  formatLocalTime,
  type MessageContext,
  type NotificationEvent,
  NotificationError,
  type NotificationPreferences,
  notificationEventOf,
  SMS_MAX_LENGTH,
} from '#domain/notifications.ts';
import type {
  PlanChange,
  PlanRunMissedDetail,
  PlanSnapshot,
  PurchaseFailedDetail,
  PurchaseSucceededDetail,
} from '#shared/bus-events.ts';

const ZONE = 'Europe/Berlin';
const SLOT = '2026-12-07T08:00:00Z';
const SLOT_WORDS = 'Monday 7 December 2026, 09:00 (Europe/Berlin)';
const NEXT = '2026-12-14T08:00:00Z';
const NEXT_WORDS = 'Monday 14 December 2026, 09:00 (Europe/Berlin)';
const FOOTER =
  'You can choose which notifications you get, and how, in your notification settings.';

const context = (overrides: Partial<MessageContext> = {}): MessageContext => ({
  nextRunAt: NEXT,
  timezone: ZONE,
  ...overrides,
});

/** The email text of these paragraphs (lists as arrays), as the module lays it out. */
function textOf(...blocks: (string | string[])[]): string {
  return `${[...blocks, FOOTER]
    .map((block) =>
      typeof block === 'string' ? block : block.map((item) => `- ${item}`).join('\n'),
    )
    .join('\n\n')}\n`;
}

function notificationErrorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(NotificationError);
    return (error as Error).message;
  }
  throw new Error('expected a NotificationError');
}

const succeeded = (overrides: Partial<PurchaseSucceededDetail> = {}): PurchaseSucceededDetail => ({
  planId: 'plan-1',
  userId: 'user-1',
  scheduledFor: SLOT,
  status: 'FILLED',
  clientOrderId: 'plan-1-20261207T080000Z',
  exchangeOrderId: 'paper-1',
  amount: '25.00',
  currency: 'EUR',
  btcAcquiredSats: '54347',
  spentMinor: '2500',
  feeMinor: '15',
  averagePrice: '45724.69',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:purchase:1',
  ...overrides,
});

const failed = (overrides: Partial<PurchaseFailedDetail> = {}): PurchaseFailedDetail => ({
  planId: 'plan-1',
  userId: 'user-1',
  scheduledFor: SLOT,
  clientOrderId: 'plan-1-20261207T080000Z',
  amount: '25.00',
  currency: 'EUR',
  failureCode: 'INSUFFICIENT_FUNDS',
  failureReason: 'Insufficient balance in source account',
  executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:purchase:1',
  ...overrides,
});

const missed = (overrides: Partial<PlanRunMissedDetail> = {}): PlanRunMissedDetail => ({
  planId: 'plan-1',
  userId: 'user-1',
  scheduledFor: SLOT,
  clientOrderId: 'plan-1-20261207T080000Z',
  amount: '25.00',
  currency: 'EUR',
  nextRunAt: NEXT,
  action: 'REARMED',
  ...overrides,
});

const mondays: PlanSnapshot = {
  amount: '25.00',
  currency: 'EUR',
  status: 'ACTIVE',
  schedule: {
    frequency: 'WEEKLY',
    timeOfDay: '09:00',
    timezone: ZONE,
    dayOfWeek: 1,
    startDate: '2026-12-01',
  },
  nextRunAt: SLOT,
};

const change = (overrides: Partial<PlanChange>): PlanChange => ({
  planId: 'plan-1',
  userId: 'user-1',
  change: 'UPDATED',
  old: mondays,
  new: mondays,
  ...overrides,
});

describe('notificationEventOf', () => {
  it.each([
    ['PurchaseSucceeded', 'PURCHASE_SUCCEEDED'],
    ['PurchaseFailed', 'PURCHASE_FAILED'],
    ['PlanRunMissed', 'RUN_MISSED'],
    ['PlanChanged', 'PLAN_CHANGED'],
    ['PurchaseSkipped', null],
    ['ReconciliationBreak', null],
    ['purchasesucceeded', null],
    ['toString', null],
    ['', null],
  ] as const)('maps the detail-type %j to %j', (detailType, event) => {
    expect(notificationEventOf(detailType)).toBe(event);
  });
});

describe('formatLocalTime', () => {
  it.each([
    [
      'the last Friday before spring forward',
      '2026-03-27T08:00:00Z',
      ZONE,
      'Friday 27 March 2026, 09:00 (Europe/Berlin)',
    ],
    [
      'the Monday after spring forward',
      '2026-03-30T07:00:00Z',
      ZONE,
      'Monday 30 March 2026, 09:00 (Europe/Berlin)',
    ],
    [
      'the Friday before fall back',
      '2026-10-23T07:00:00Z',
      ZONE,
      'Friday 23 October 2026, 09:00 (Europe/Berlin)',
    ],
    [
      'the Monday after fall back',
      '2026-10-26T08:00:00Z',
      ZONE,
      'Monday 26 October 2026, 09:00 (Europe/Berlin)',
    ],
    [
      'New York after its own spring forward',
      '2026-03-09T13:00:00Z',
      'America/New_York',
      'Monday 9 March 2026, 09:00 (America/New_York)',
    ],
    [
      'a zone with a half-hour offset',
      '2026-12-07T03:30:00Z',
      'Asia/Kolkata',
      'Monday 7 December 2026, 09:00 (Asia/Kolkata)',
    ],
    [
      'a date east of UTC that is a day ahead',
      '2026-12-31T23:30:00Z',
      'Pacific/Auckland',
      'Friday 1 January 2027, 12:30 (Pacific/Auckland)',
    ],
    ['an instant written with an offset', '2026-12-07T09:00:00+01:00', ZONE, SLOT_WORDS],
  ])('shows %s in local time', (_case, instant, zone, expected) => {
    expect(formatLocalTime(instant, zone)).toBe(expected);
  });

  it('refuses an unknown zone', () => {
    expect(notificationErrorOf(() => formatLocalTime(SLOT, 'Mars/Olympus'))).toBe(
      'timezone must be an IANA time zone name, got Mars/Olympus',
    );
  });

  it('refuses an instant without a zone', () => {
    expect(notificationErrorOf(() => formatLocalTime('2026-12-07T08:00:00', ZONE))).toBe(
      'an instant must be an ISO instant with Z or an offset, got 2026-12-07T08:00:00',
    );
  });
});

describe('describeSchedule', () => {
  const schedule = (overrides: Partial<PlanSnapshot['schedule']>): PlanSnapshot['schedule'] => ({
    frequency: 'DAILY',
    timeOfDay: '07:30',
    timezone: ZONE,
    ...overrides,
  });

  it.each([
    [schedule({}), 'every day at 07:30 (Europe/Berlin)'],
    [schedule({ frequency: 'WEEKLY', dayOfWeek: 1 }), 'every Monday at 07:30 (Europe/Berlin)'],
    [schedule({ frequency: 'WEEKLY', dayOfWeek: 7 }), 'every Sunday at 07:30 (Europe/Berlin)'],
    [
      schedule({ frequency: 'BIWEEKLY', dayOfWeek: 5 }),
      'every other Friday at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 1 }),
      'on the 1st of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 2 }),
      'on the 2nd of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 3 }),
      'on the 3rd of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 11 }),
      'on the 11th of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 12 }),
      'on the 12th of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 13 }),
      'on the 13th of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 22 }),
      'on the 22nd of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 28 }),
      'on the 28th of every month at 07:30 (Europe/Berlin)',
    ],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 31, dayOfWeek: null }),
      'on the 31st of every month (or its last day, when shorter) at 07:30 (Europe/Berlin)',
    ],
  ])('describes %j as "%s"', (spec, expected) => {
    expect(describeSchedule(spec)).toBe(expected);
  });

  it.each([
    [schedule({ frequency: 'WEEKLY' }), 'a WEEKLY schedule needs dayOfWeek 1 (Monday) to 7'],
    [
      schedule({ frequency: 'MONTHLY', dayOfMonth: 32 }),
      'a MONTHLY schedule needs dayOfMonth 1 to 31',
    ],
    [schedule({ timeOfDay: '9:00' }), 'schedule.timeOfDay must be HH:MM, got 9:00'],
    [schedule({ timezone: 'Berlin' }), 'timezone must be an IANA time zone name, got Berlin'],
  ])('refuses %j', (spec, message) => {
    expect(notificationErrorOf(() => describeSchedule(spec))).toBe(message);
  });
});

describe('escapeHtml', () => {
  it.each([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["Tom & Jerry's", 'Tom &amp; Jerry&#39;s'],
    ['&amp;', '&amp;amp;'],
    ['25.00 EUR', '25.00 EUR'],
  ])('escapes %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });
});

describe('composeMessage: purchase succeeded', () => {
  it('says what was bought, for how much, at what price and fee, and when the next run is', () => {
    expect(composeMessage('PURCHASE_SUCCEEDED', succeeded(), context())).toEqual({
      subject: 'Bought 0.00054347 BTC for 25.00 EUR',
      text: textOf(
        `Your savings plan bought 0.00054347 BTC for 25.00 EUR in its run of ${SLOT_WORDS}.`,
        [
          'Bitcoin bought: 0.00054347 BTC',
          'Spent: 25.00 EUR, fee included',
          'Fee: 0.15 EUR',
          'Average price: 45724.69 EUR per BTC, fee excluded',
        ],
        `The next run is on ${NEXT_WORDS}.`,
      ),
      html: [
        '<!doctype html>',
        '<html lang="en">',
        '<head><meta charset="utf-8"><title>Bought 0.00054347 BTC for 25.00 EUR</title></head>',
        '<body>',
        `<p>Your savings plan bought 0.00054347 BTC for 25.00 EUR in its run of ${SLOT_WORDS}.</p>`,
        '<ul><li>Bitcoin bought: 0.00054347 BTC</li><li>Spent: 25.00 EUR, fee included</li><li>Fee: 0.15 EUR</li><li>Average price: 45724.69 EUR per BTC, fee excluded</li></ul>',
        `<p>The next run is on ${NEXT_WORDS}.</p>`,
        `<p>${FOOTER}</p>`,
        '</body>',
        '</html>',
      ].join('\n'),
      sms: `Bought 0.00054347 BTC for 25.00 EUR (fee 0.15 EUR) at 45724.69 EUR per BTC. Next run: ${NEXT_WORDS}.`,
    });
  });

  it.each([
    ['54347', '0.00054347'],
    ['1', '0.00000001'],
    ['0', '0.00000000'],
    ['100000000', '1.00000000'],
    ['2100000000000000', '21000000.00000000'],
    ['123456789012345678901', '1234567890123.45678901'],
    ['00054347', '0.00054347'],
  ])('formats %s satoshis as exactly %s BTC', (sats, btc) => {
    const message = composeMessage(
      'PURCHASE_SUCCEEDED',
      succeeded({ btcAcquiredSats: sats }),
      context(),
    );
    expect(message.subject).toBe(`Bought ${btc} BTC for 25.00 EUR`);
  });

  it.each([
    [
      'JPY',
      '4000',
      '4000',
      '24',
      '7360071',
      'Bought 0.00054347 BTC for 4000 JPY',
      '(fee 24 JPY) at 7360071 JPY per BTC',
    ],
    [
      'USD',
      '25',
      '2500',
      '15',
      '45724.69',
      'Bought 0.00054347 BTC for 25.00 USD',
      '(fee 0.15 USD) at 45724.69 USD per BTC',
    ],
  ])(
    "shows %s amounts with that currency's digits",
    (currency, amount, spentMinor, feeMinor, averagePrice, subject, figures) => {
      const message = composeMessage(
        'PURCHASE_SUCCEEDED',
        succeeded({ currency, amount, spentMinor, feeMinor, averagePrice }),
        context(),
      );
      expect({ subject: message.subject, sms: message.sms }).toEqual({
        subject,
        sms: `${subject} ${figures}. Next run: ${NEXT_WORDS}.`,
      });
    },
  );

  it('says how much a partial fill bought and that the rest was not spent', () => {
    const message = composeMessage(
      'PURCHASE_SUCCEEDED',
      succeeded({
        status: 'PARTIALLY_FILLED',
        btcAcquiredSats: '27173',
        spentMinor: '1250',
        feeMinor: '8',
        averagePrice: '45705.66',
      }),
      context(),
    );
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Bought 0.00027173 BTC for 12.50 EUR of 25.00 EUR',
      text: textOf(
        `Your savings plan's run of ${SLOT_WORDS} was only partly filled: the exchange could not fill the whole order. You bought 0.00027173 BTC for 12.50 EUR of the planned 25.00 EUR.`,
        'The other 12.50 EUR was not spent and stays in your account. It is not bought later.',
        [
          'Bitcoin bought: 0.00027173 BTC',
          'Spent: 12.50 EUR, fee included',
          'Fee: 0.08 EUR',
          'Average price: 45705.66 EUR per BTC, fee excluded',
        ],
        `The next run is on ${NEXT_WORDS}.`,
      ),
      sms: `Partly filled: bought 0.00027173 BTC for 12.50 EUR of 25.00 EUR; the other 12.50 EUR was not spent. Next run: ${NEXT_WORDS}.`,
    });
  });

  it('shows the next run in local time across the spring DST change', () => {
    const message = composeMessage(
      'PURCHASE_SUCCEEDED',
      succeeded({ scheduledFor: '2026-03-23T08:00:00Z' }),
      context({ nextRunAt: '2026-03-30T07:00:00Z' }),
    );
    expect(message.sms).toBe(
      'Bought 0.00054347 BTC for 25.00 EUR (fee 0.15 EUR) at 45724.69 EUR per BTC. Next run: Monday 30 March 2026, 09:00 (Europe/Berlin).',
    );
    expect(message.text.split('\n')[0]).toBe(
      'Your savings plan bought 0.00054347 BTC for 25.00 EUR in its run of Monday 23 March 2026, 09:00 (Europe/Berlin).',
    );
  });

  it('shows the next run in local time across the autumn DST change', () => {
    const message = composeMessage(
      'PURCHASE_SUCCEEDED',
      succeeded({ scheduledFor: '2026-10-19T07:00:00Z' }),
      context({ nextRunAt: '2026-10-26T08:00:00Z' }),
    );
    expect(message.text).toContain(
      'The next run is on Monday 26 October 2026, 09:00 (Europe/Berlin).',
    );
  });

  it('says so when no further run is scheduled', () => {
    const message = composeMessage('PURCHASE_SUCCEEDED', succeeded(), context({ nextRunAt: null }));
    expect(message.sms).toBe(
      'Bought 0.00054347 BTC for 25.00 EUR (fee 0.15 EUR) at 45724.69 EUR per BTC. No further run is scheduled.',
    );
  });

  it.each([
    [{ btcAcquiredSats: '0.5' }, 'btcAcquiredSats must be a digit string, got 0.5'],
    [{ btcAcquiredSats: '-1' }, 'btcAcquiredSats must be a digit string, got -1'],
    [{ spentMinor: '25.00' }, 'spentMinor must be a digit string, got 25.00'],
    [{ feeMinor: '' }, 'feeMinor must be a digit string, got '],
    [
      { averagePrice: '4.5e4' },
      'averagePrice must be a plain decimal number such as 25.00, got 4.5e4',
    ],
    [{ amount: '25.001' }, 'amount must have at most 2 decimal places, got 25.001'],
    [{ currency: 'XBT' }, 'currency must be a supported ISO 4217 code, got XBT'],
    [{ status: 'OPEN' as 'FILLED' }, 'status must be FILLED or PARTIALLY_FILLED, got OPEN'],
    [
      { scheduledFor: 'yesterday' },
      'an instant must be an ISO instant with Z or an offset, got yesterday',
    ],
  ])('refuses a detail with %j', (overrides, message) => {
    expect(
      notificationErrorOf(() =>
        composeMessage('PURCHASE_SUCCEEDED', succeeded(overrides), context()),
      ),
    ).toBe(message);
  });
});

describe('composeMessage: purchase failed', () => {
  const next = `Your plan stays active; the next run is on ${NEXT_WORDS}.`;

  it.each([
    [
      'INSUFFICIENT_FUNDS',
      'not enough funds',
      'Your account did not hold the 25.00 EUR this purchase needed.',
      'Top up your account with at least 25.00 EUR before the next run.',
    ],
    [
      'BELOW_MINIMUM',
      'below the exchange minimum',
      '25.00 EUR is less than the smallest order the exchange accepts.',
      "Raise the plan's amount so that its runs can buy.",
    ],
    [
      'MARKET_CLOSED',
      'market closed',
      'The exchange was not taking orders for bitcoin at the time of this run.',
      null,
    ],
    [
      'REJECTED',
      'order refused',
      'The exchange refused the order, or cancelled it before any of it was filled.',
      null,
    ],
    [
      'EXCHANGE_UNAVAILABLE',
      'exchange unavailable',
      'The exchange could not be reached during the time this run was allowed to buy in.',
      null,
    ],
    [
      'WINDOW_EXPIRED',
      'too late to buy',
      'The purchase could not be made soon enough after its scheduled time, and a purchase is never made late.',
      null,
    ],
    [
      'AMOUNT_ABOVE_LIMIT',
      'amount above the limit',
      '25.00 EUR is above the current limit for a single purchase.',
      "Lower the plan's amount to keep buying.",
    ],
  ])(
    'explains %s in plain words and says what happens next',
    (failureCode, label, cause, advice) => {
      const message = composeMessage('PURCHASE_FAILED', failed({ failureCode }), context());
      const tip = advice === null ? '' : ` ${advice}`;
      expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
        subject: `Purchase of 25.00 EUR failed: ${label}`,
        text: textOf(
          `Your savings plan's purchase of 25.00 EUR on ${SLOT_WORDS} did not go through.`,
          cause,
          `No money was spent.${tip} ${next}`,
        ),
        sms: `Purchase of 25.00 EUR failed: ${label}. No money was spent.${tip} Next run: ${NEXT_WORDS}.`,
      });
    },
  );

  it("explains an unknown failure code with the event's own reason", () => {
    const message = composeMessage(
      'PURCHASE_FAILED',
      failed({ failureCode: 'ACCOUNT_FROZEN', failureReason: 'Your  account is\nfrozen.' }),
      context(),
    );
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Purchase of 25.00 EUR failed',
      text: textOf(
        `Your savings plan's purchase of 25.00 EUR on ${SLOT_WORDS} did not go through.`,
        'Your account is frozen.',
        `No money was spent. ${next}`,
      ),
      sms: `Purchase of 25.00 EUR failed: Your account is frozen. No money was spent. Next run: ${NEXT_WORDS}.`,
    });
  });

  it('falls back to a general cause for an unknown code without a reason', () => {
    const message = composeMessage(
      'PURCHASE_FAILED',
      failed({ failureCode: 'ACCOUNT_FROZEN', failureReason: ' ' }),
      context(),
    );
    expect(message.text.split('\n\n')[1]).toBe('The exchange did not complete the order.');
  });

  it('does not promise a next run when none is scheduled', () => {
    const message = composeMessage(
      'PURCHASE_FAILED',
      failed({ failureCode: 'MARKET_CLOSED' }),
      context({ nextRunAt: null }),
    );
    expect(message.text.split('\n\n')[2]).toBe(
      'No money was spent. No further run is scheduled for this plan.',
    );
  });

  it('escapes a reason in the HTML and keeps it verbatim in the text', () => {
    const reason = '<script>alert("pwned")</script> & more';
    const message = composeMessage(
      'PURCHASE_FAILED',
      failed({ failureCode: 'SOMETHING_NEW', failureReason: reason }),
      context(),
    );
    expect(message.html).toContain(
      '<p>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more</p>',
    );
    expect(message.html).not.toContain('<script');
    expect(message.text.split('\n\n')[1]).toBe(reason);
  });

  it('cuts an SMS with a long reason to the SMS limit at a word', () => {
    const reason = `The exchange said: ${'this account needs more verification '.repeat(20)}`;
    const { sms } = composeMessage(
      'PURCHASE_FAILED',
      failed({ failureCode: 'VERIFY', failureReason: reason }),
      context(),
    );
    // 317 characters leave room for "..."; the cut falls back to the last whole word.
    expect(sms).toBe(
      `Purchase of 25.00 EUR failed: The exchange said: ${'this account needs more verification '.repeat(7)}this...`,
    );
    expect(sms).toHaveLength(315);
  });
});

describe('composeMessage: run missed', () => {
  it('says the run was missed, nothing was bought and the plan was moved to its next run', () => {
    const message = composeMessage('RUN_MISSED', missed(), context());
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Missed run: 25.00 EUR not bought on Monday 7 December 2026',
      text: textOf(
        `Your savings plan's run of 25.00 EUR on ${SLOT_WORDS} did not start on time, so it was missed.`,
        'Nothing was bought for it and no money was spent. A missed run is not made up later.',
        `We scheduled your plan's next run instead: ${NEXT_WORDS}.`,
      ),
      sms: `Missed run on ${SLOT_WORDS}: nothing was bought and no money was spent. Next run: ${NEXT_WORDS}.`,
    });
  });

  it.each([
    ['ENDED', 'That was the last run of your plan, so the plan has now ended.'],
    ['NONE', 'No further run is scheduled for this plan.'],
  ] as const)(
    'says what happened when the sweeper %s the plan without a next run',
    (action, outcome) => {
      const message = composeMessage(
        'RUN_MISSED',
        missed({ action, nextRunAt: null }),
        context({ nextRunAt: null }),
      );
      expect({ last: message.text.split('\n\n')[2], sms: message.sms }).toEqual({
        last: outcome,
        sms: `Missed run on ${SLOT_WORDS}: nothing was bought and no money was spent. ${outcome}`,
      });
    },
  );

  it('shows the slot in the local date of the plan, not of UTC', () => {
    const message = composeMessage(
      'RUN_MISSED',
      missed({ scheduledFor: '2026-12-06T23:30:00Z' }),
      context(),
    );
    expect(message.subject).toBe('Missed run: 25.00 EUR not bought on Monday 7 December 2026');
  });
});

describe('composeMessage: plan changed', () => {
  const compose = (detail: PlanChange, nextRunAt: string | null = NEXT) =>
    composeMessage('PLAN_CHANGED', detail, context({ nextRunAt }));
  const plan = (overrides: Partial<PlanSnapshot>): PlanSnapshot => ({ ...mondays, ...overrides });
  const schedule = (overrides: Partial<PlanSnapshot['schedule']>): PlanSnapshot['schedule'] => ({
    ...mondays.schedule,
    ...overrides,
  });

  it('describes a new plan and its first run', () => {
    const message = compose(change({ change: 'CREATED', old: null }));
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Plan created: 25.00 EUR every Monday at 09:00',
      text: textOf(
        'Your new savings plan buys bitcoin for 25.00 EUR every Monday at 09:00 (Europe/Berlin).',
        [
          'Amount: 25.00 EUR per run, fee included',
          'Schedule: every Monday at 09:00 (Europe/Berlin)',
          'Start date: 1 December 2026',
          'End date: none, it runs until you stop it',
          'Status: active',
        ],
        `The first run is on ${NEXT_WORDS}.`,
      ),
      sms: `New savings plan: 25.00 EUR every Monday at 09:00 (Europe/Berlin). First run: ${NEXT_WORDS}.`,
    });
  });

  it.each([
    ['the amount', plan({ amount: '40.00' }), 'amount', ['Amount: 25.00 EUR → 40.00 EUR']],
    ['the currency alone', plan({ currency: 'USD' }), 'currency', ['Currency: EUR → USD']],
    [
      'amount and currency',
      plan({ amount: '30.00', currency: 'USD' }),
      'amount, currency',
      ['Amount: 25.00 EUR → 30.00 USD', 'Currency: EUR → USD'],
    ],
    [
      'the weekday',
      plan({ schedule: schedule({ dayOfWeek: 3 }) }),
      'schedule',
      [
        'Schedule: every Monday at 09:00 (Europe/Berlin) → every Wednesday at 09:00 (Europe/Berlin)',
      ],
    ],
    [
      'frequency, time and zone',
      plan({
        schedule: schedule({
          frequency: 'MONTHLY',
          dayOfWeek: null,
          dayOfMonth: 15,
          timeOfDay: '18:30',
          timezone: 'America/New_York',
        }),
      }),
      'schedule',
      [
        'Schedule: every Monday at 09:00 (Europe/Berlin) → on the 15th of every month at 18:30 (America/New_York)',
      ],
    ],
    [
      'the start and end dates',
      plan({ schedule: schedule({ startDate: '2027-01-04', endDate: '2027-12-31' }) }),
      'start date, end date',
      ['Start date: 1 December 2026 → 4 January 2027', 'End date: no end date → 31 December 2027'],
    ],
    ['the status', plan({ status: 'ENDED' }), 'status', ['Status: active → ended']],
  ])('lists a change of %s, old → new', (_case, updated, fields, lines) => {
    const message = compose(change({ new: updated }));
    expect({ subject: message.subject, text: message.text }).toEqual({
      subject: `Plan updated: ${fields}`,
      text: textOf(
        `Your savings plan was changed. It now buys bitcoin for ${describeNew(updated)}.`,
        lines,
        `The next run is on ${NEXT_WORDS}.`,
      ),
    });
    expect(message.sms).toBe(
      `Plan updated: ${lines
        .map((line) =>
          line.replace(/^(\w+(?: \w+)?): /, (_m, field: string) => `${field.toLowerCase()} `),
        )
        .join('; ')
        .replaceAll(' → ', ' -> ')}. Next run: ${NEXT_WORDS}.`,
    );
  });

  function describeNew(updated: PlanSnapshot): string {
    return `${updated.amount} ${updated.currency} ${describeSchedule(updated.schedule)}`;
  }

  it('treats "25" and "25.00", and a null and an absent end date, as unchanged', () => {
    const message = compose(
      change({ new: plan({ amount: '25', schedule: schedule({ endDate: null }) }) }),
    );
    expect({ subject: message.subject, text: message.text }).toEqual({
      subject: 'Plan updated',
      text: textOf(
        'Your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin) was updated; none of its settings changed.',
        `The next run is on ${NEXT_WORDS}.`,
      ),
    });
  });

  it.each([
    [
      'PAUSED',
      plan({ status: 'PAUSED', nextRunAt: null }),
      null,
      'Plan paused: 25.00 EUR every Monday at 09:00',
      [
        'Your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin) is paused.',
        'It buys nothing until you resume it. Runs that fall in the pause are not made up.',
      ],
      'Plan paused: 25.00 EUR every Monday at 09:00 (Europe/Berlin). It buys nothing until you resume it.',
    ],
    [
      'RESUMED',
      mondays,
      NEXT,
      'Plan resumed: 25.00 EUR every Monday at 09:00',
      [
        'Your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin) is active again.',
        `The next run is on ${NEXT_WORDS}.`,
      ],
      `Plan resumed: 25.00 EUR every Monday at 09:00 (Europe/Berlin). Next run: ${NEXT_WORDS}.`,
    ],
    [
      'SKIPPED',
      plan({ nextRunAt: NEXT }),
      NEXT,
      'Run skipped: 25.00 EUR on Monday 7 December 2026',
      [
        `You skipped the next run of your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin), on ${SLOT_WORDS}.`,
        'Nothing is bought and no money is spent for that run.',
        `The next run is on ${NEXT_WORDS}.`,
      ],
      `You skipped the run on ${SLOT_WORDS} of your 25.00 EUR plan: nothing is bought for it. Next run: ${NEXT_WORDS}.`,
    ],
  ] as const)(
    'tells the user the plan was %s',
    (kind, updated, nextRunAt, subject, blocks, sms) => {
      const message = compose(change({ change: kind, new: updated }), nextRunAt);
      expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
        subject,
        text: textOf(...blocks),
        sms,
      });
    },
  );

  it('says a deleted plan makes no further purchases', () => {
    const message = compose(change({ change: 'DELETED', new: null }), null);
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Plan deleted: 25.00 EUR every Monday at 09:00',
      text: textOf(
        'Your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin) is deleted.',
        'It makes no further purchases. Purchases it already made are not affected.',
      ),
      sms: 'Plan deleted: 25.00 EUR every Monday at 09:00 (Europe/Berlin). It makes no further purchases.',
    });
  });

  it('says a plan that made its last run has ended', () => {
    const message = compose(change({ change: 'ENDED' }), null);
    expect({ subject: message.subject, text: message.text, sms: message.sms }).toEqual({
      subject: 'Plan ended: 25.00 EUR every Monday at 09:00',
      text: textOf(
        'Your savings plan of 25.00 EUR every Monday at 09:00 (Europe/Berlin) has made its last run and has ended.',
        'It makes no further purchases. Purchases it already made are not affected.',
      ),
      sms: 'Plan ended: 25.00 EUR every Monday at 09:00 (Europe/Berlin) made its last run. No further purchases.',
    });
  });

  it.each([
    [change({ change: 'UPDATED', new: null }), 'a UPDATED change needs new'],
    [change({ old: null, new: null }), 'a plan change needs old or new'],
    [
      change({ change: 'RENAMED' as 'UPDATED' }),
      'change must be CREATED, UPDATED, PAUSED, RESUMED, SKIPPED, DELETED or ENDED, got RENAMED',
    ],
    [
      change({ new: plan({ status: 'GONE' as 'ENDED' }) }),
      'status must be ACTIVE, PAUSED or ENDED, got GONE',
    ],
  ])('refuses an impossible change %#', (detail, message) => {
    expect(notificationErrorOf(() => compose(detail))).toBe(message);
  });

  it('escapes plan values in the HTML', () => {
    const hostile = plan({ schedule: schedule({ timezone: '<script>' }) });
    expect(notificationErrorOf(() => compose(change({ new: hostile })))).toBe(
      'timezone must be an IANA time zone name, got <script>',
    );
    const message = compose(change({ change: 'CREATED', old: null }));
    expect(message.html).toContain(
      '<p>Your new savings plan buys bitcoin for 25.00 EUR every Monday at 09:00 (Europe/Berlin).</p>',
    );
  });
});

describe('composeMessage: every kind', () => {
  const kinds: [string, NotificationEvent, object][] = [
    ['a purchase', 'PURCHASE_SUCCEEDED', succeeded()],
    ['a partial fill', 'PURCHASE_SUCCEEDED', succeeded({ status: 'PARTIALLY_FILLED' })],
    ['a failure', 'PURCHASE_FAILED', failed()],
    ['an unknown failure', 'PURCHASE_FAILED', failed({ failureCode: 'X', failureReason: 'Y' })],
    ['a missed run', 'RUN_MISSED', missed()],
    ['a new plan', 'PLAN_CHANGED', change({ change: 'CREATED', old: null })],
    [
      'a plan change',
      'PLAN_CHANGED',
      change({
        new: {
          ...mondays,
          amount: '9999.99',
          currency: 'CHF',
          status: 'PAUSED',
          schedule: {
            frequency: 'MONTHLY',
            dayOfMonth: 31,
            timeOfDay: '23:59',
            timezone: 'America/Argentina/ComodRivadavia',
            startDate: '2027-02-28',
            endDate: '2099-12-31',
          },
        },
      }),
    ],
  ];

  it.each(kinds)('keeps the SMS of %s within the limit, without markup', (_kind, event, detail) => {
    const { sms, subject } = composeMessage(event, detail as PurchaseSucceededDetail, context());
    expect(Array.from(sms).length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
    expect(sms).not.toMatch(/<[a-z/!]|\n/i);
    expect(subject).not.toMatch(/[\r\n]/);
  });
});

describe('defaultPreferences', () => {
  it('sends every event by email only', () => {
    expect(defaultPreferences('alice@example.com')).toEqual({
      email: 'alice@example.com',
      phone: null,
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL'] },
        { event: 'RUN_MISSED', channels: ['EMAIL'] },
        { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
      ],
    });
  });
});

describe('channelsFor', () => {
  const everything: NotificationPreferences = {
    email: 'alice@example.com',
    phone: '+4915112345678',
    rules: [
      { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
      { event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] },
      { event: 'RUN_MISSED', channels: ['SMS'] },
    ],
  };

  it.each<[string, NotificationPreferences, NotificationEvent, string[]]>([
    ['both channels with both addresses', everything, 'PURCHASE_FAILED', ['EMAIL', 'SMS']],
    ['email only', everything, 'PURCHASE_SUCCEEDED', ['EMAIL']],
    ['SMS only', everything, 'RUN_MISSED', ['SMS']],
    ['nothing for an event without a rule', everything, 'PLAN_CHANGED', []],
    ['no email without an address', { ...everything, email: null }, 'PURCHASE_FAILED', ['SMS']],
    ['no SMS without a phone', { ...everything, phone: null }, 'PURCHASE_FAILED', ['EMAIL']],
    ['nothing without any address', defaultPreferences(null), 'PURCHASE_FAILED', []],
    ['email by default', defaultPreferences('bob@example.com'), 'RUN_MISSED', ['EMAIL']],
  ])('answers %s', (_case, preferences, event, channels) => {
    expect(channelsFor(preferences, event)).toEqual(channels);
  });
});
