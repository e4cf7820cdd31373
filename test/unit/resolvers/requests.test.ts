/**
 * The exact requests each resolver hands its DynamoDB data source, and how each response handler
 * turns data-source results and errors into the GraphQL contract.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, context, loadHandlers, type Handlers } from '../../support/resolvers.ts';

const PLAN_ID = '01KAQ9ZP1VYV3M9S6N1E2B3C4D';
const NOW_ISO = '2026-11-23T08:00:00.000Z';

let handlers: (name: string) => Handlers;

beforeAll(async () => {
  handlers = await loadHandlers();
});

const STORED_PLAN = {
  userId: 'alice',
  planId: PLAN_ID,
  status: 'ACTIVE',
  amount: '25.00',
  currency: 'EUR',
  asset: 'BTC',
  schedule: {
    frequency: 'WEEKLY',
    timeOfDay: '09:00',
    timezone: 'Europe/Berlin',
    dayOfWeek: 1,
    startDate: '2026-11-23',
  },
  version: 3,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-02T10:00:00.000Z',
};

const GRAPHQL_PLAN = {
  id: PLAN_ID,
  status: 'ACTIVE',
  amount: '25.00',
  currency: 'EUR',
  asset: 'BTC',
  schedule: {
    frequency: 'WEEKLY',
    timeOfDay: '09:00',
    timezone: 'Europe/Berlin',
    dayOfWeek: 1,
    dayOfMonth: null,
    startDate: '2026-11-23',
    endDate: null,
  },
  nextRunAt: null,
  version: 3,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-02T10:00:00.000Z',
  totalInvested: '0.00',
  totalAcquired: '0.00000000',
  executionCount: 0,
  averagePrice: null,
  lastRunAt: null,
};

describe('Query.plan', () => {
  it("gets the plan by the caller's sub and the id", () => {
    expect(call(handlers('Query.plan').request, context({ id: PLAN_ID }))).toEqual({
      kind: 'value',
      value: { operation: 'GetItem', key: { userId: { S: 'alice' }, planId: { S: PLAN_ID } } },
    });
  });

  it('answers null without reading when the id is not a plan id', () => {
    for (const id of [
      '#meta',
      'abc',
      '',
      `${PLAN_ID}0`,
      '81KAQ9ZP1VYV3M9S6N1E2B3C4D',
      '01KAQ9ZP1VYV3M9S6N1E2B3C4U',
    ]) {
      expect(call(handlers('Query.plan').request, context({ id }))).toEqual({
        kind: 'earlyReturn',
        value: null,
      });
    }
  });

  it('maps the stored item to the GraphQL plan, without the owner', () => {
    expect(
      call(handlers('Query.plan').response, context({ id: PLAN_ID }, { result: STORED_PLAN })),
    ).toEqual({
      kind: 'value',
      value: GRAPHQL_PLAN,
    });
  });

  it('re-raises a data source error instead of answering null', () => {
    const error = { type: 'DynamoDB:ProvisionedThroughputExceededException', message: 'slow down' };
    expect(
      call(handlers('Query.plan').response, context({ id: PLAN_ID }, { error, result: null })),
    ).toEqual({
      kind: 'error',
      message: 'slow down',
      errorType: 'DynamoDB:ProvisionedThroughputExceededException',
      errorInfo: null,
    });
  });
});

describe('Query.plans', () => {
  it("queries only the caller's plans, newest first, above the meta item", () => {
    expect(call(handlers('Query.plans').request, context({ limit: 5, nextToken: 'tok' }))).toEqual({
      kind: 'value',
      value: {
        operation: 'Query',
        query: {
          expression: '#userId = :userId AND #planId >= :floor',
          expressionNames: { '#userId': 'userId', '#planId': 'planId' },
          expressionValues: { ':userId': { S: 'alice' }, ':floor': { S: '0' } },
        },
        scanIndexForward: false,
        limit: 5,
        nextToken: 'tok',
      },
    });
  });

  it('defaults the page size to 20', () => {
    const outcome = call(handlers('Query.plans').request, context({}));
    expect(outcome).toMatchObject({ kind: 'value', value: { limit: 20 } });
    expect((outcome as { value: Record<string, unknown> }).value.nextToken).toBeUndefined();
  });
});

const KOLKATA_DAILY = { frequency: 'DAILY', timeOfDay: '07:00', timezone: 'Asia/Kolkata' };

describe('the schedule check (a step of createPlan and updatePlan)', () => {
  it('stashes the schedule as stored, starting today in its zone, and skips the data source', () => {
    const ctx = context({ input: { schedule: KOLKATA_DAILY } }, { prev: { result: { x: 1 } } });
    expect(call(handlers('pipeline/checkSchedule').request, ctx)).toEqual({
      kind: 'earlyReturn',
      value: { x: 1 },
    });
    expect(ctx.stash).toEqual({
      // 08:00 UTC is 13:30 in Kolkata, still the 23rd.
      schedule: { ...KOLKATA_DAILY, startDate: '2026-11-23' },
      scheduleProblems: {},
    });
  });

  it("keeps the stored plan's startDate when an update names none", () => {
    const ctx = context(
      { input: { id: PLAN_ID, expectedVersion: 3, schedule: KOLKATA_DAILY } },
      { stash: { planId: PLAN_ID, current: STORED_PLAN } },
    );
    call(handlers('pipeline/checkSchedule').request, ctx);
    expect(ctx.stash).toEqual({
      planId: PLAN_ID,
      current: STORED_PLAN,
      schedule: { ...KOLKATA_DAILY, startDate: '2026-11-23' },
      scheduleProblems: {},
    });
  });

  it('stashes every problem of the schedule instead of raising', () => {
    const ctx = context({
      input: { schedule: { frequency: 'MONTHLY', timeOfDay: '24:00', timezone: 'Mars/Olympus' } },
    });
    expect(call(handlers('pipeline/checkSchedule').request, ctx)).toEqual({
      kind: 'earlyReturn',
      value: {},
    });
    expect(ctx.stash).toEqual({
      schedule: null,
      scheduleProblems: {
        'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59',
        'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin',
        'schedule.dayOfMonth': 'is required for MONTHLY schedules',
      },
    });
  });

  it('stashes no schedule for an update that keeps its own', () => {
    const ctx = context(
      { input: { id: PLAN_ID, expectedVersion: 3, amount: '30' } },
      { stash: { planId: PLAN_ID, current: STORED_PLAN } },
    );
    call(handlers('pipeline/checkSchedule').request, ctx);
    expect(ctx.stash).toEqual({
      planId: PLAN_ID,
      current: STORED_PLAN,
      schedule: null,
      scheduleProblems: {},
    });
  });
});

describe('the createPlan pipeline', () => {
  it('writes the plan and counts it on the meta item in one transaction', () => {
    const ctx = context(
      { input: { amount: '25', currency: 'EUR', schedule: KOLKATA_DAILY } },
      {
        stash: {
          schedule: { ...KOLKATA_DAILY, startDate: '2026-11-23' },
          scheduleProblems: {},
        },
      },
    );
    const outcome = call(handlers('pipeline/createPlanItem').request, ctx);
    const planId = (ctx.stash as { plan: { planId: string } }).plan.planId;
    expect(planId).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(outcome).toEqual({
      kind: 'value',
      value: {
        operation: 'TransactWriteItems',
        transactItems: [
          {
            table: 'test-plans',
            operation: 'PutItem',
            key: { userId: { S: 'alice' }, planId: { S: planId } },
            attributeValues: {
              status: { S: 'ACTIVE' },
              amount: { S: '25.00' },
              currency: { S: 'EUR' },
              asset: { S: 'BTC' },
              schedule: {
                M: {
                  frequency: { S: 'DAILY' },
                  timeOfDay: { S: '07:00' },
                  timezone: { S: 'Asia/Kolkata' },
                  startDate: { S: '2026-11-23' },
                },
              },
              version: { N: 1 },
              createdAt: { S: NOW_ISO },
              updatedAt: { S: NOW_ISO },
              syncShard: { S: planId.slice(-1) },
            },
            condition: {
              expression: 'attribute_not_exists(#planId)',
              expressionNames: { '#planId': 'planId' },
              returnValuesOnConditionCheckFailure: false,
            },
          },
          {
            table: 'test-plans',
            operation: 'UpdateItem',
            key: { userId: { S: 'alice' }, planId: { S: '#meta' } },
            update: {
              expression: 'SET #count = if_not_exists(#count, :zero) + :one, #updatedAt = :now',
              expressionNames: { '#count': 'planCount', '#updatedAt': 'updatedAt' },
              expressionValues: { ':zero': { N: 0 }, ':one': { N: 1 }, ':now': { S: NOW_ISO } },
            },
            condition: {
              expression: 'attribute_not_exists(#count) OR #count < :max',
              expressionNames: { '#count': 'planCount' },
              expressionValues: { ':max': { N: 25 } },
              returnValuesOnConditionCheckFailure: false,
            },
          },
        ],
      },
    });
  });

  it('keeps the sign-in email on the meta item with whether the token says it is verified', () => {
    for (const [claim, verified] of [
      [true, true],
      ['true', true],
      [false, false],
      [undefined, false],
    ] as const) {
      const base = context(
        { input: { amount: '25', currency: 'EUR', schedule: KOLKATA_DAILY } },
        {
          stash: {
            schedule: { ...KOLKATA_DAILY, startDate: '2026-11-23' },
            scheduleProblems: {},
          },
        },
      );
      const ctx = {
        ...base,
        identity: {
          ...(base.identity as object),
          claims: { email: 'alice@example.com', email_verified: claim },
        },
      };
      const outcome = call(handlers('pipeline/createPlanItem').request, ctx);
      const items =
        outcome.kind === 'value'
          ? (outcome.value as { transactItems: { update?: unknown }[] }).transactItems
          : [];
      expect(items[1]?.update).toEqual({
        expression:
          'SET #count = if_not_exists(#count, :zero) + :one, #updatedAt = :now, #email = :email, #verified = :verified',
        expressionNames: {
          '#count': 'planCount',
          '#updatedAt': 'updatedAt',
          '#email': 'signInEmail',
          '#verified': 'signInEmailVerified',
        },
        expressionValues: {
          ':zero': { N: 0 },
          ':one': { N: 1 },
          ':now': { S: NOW_ISO },
          ':email': { S: 'alice@example.com' },
          ':verified': { BOOL: verified },
        },
      });
    }
  });

  it('names the invalid fields of the input and of its schedule in one ValidationError', () => {
    const scheduleProblems = {
      'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin',
    };
    const ctx = context(
      { input: { amount: '0', currency: 'EUR', asset: 'ETH', schedule: KOLKATA_DAILY } },
      { stash: { schedule: null, scheduleProblems } },
    );
    expect(call(handlers('pipeline/createPlanItem').request, ctx)).toEqual({
      kind: 'error',
      message:
        'Invalid input: amount must be greater than zero; asset must be one of BTC; schedule.timezone must be an IANA time zone name such as Europe/Berlin.',
      errorType: 'ValidationError',
      errorInfo: {
        fields: {
          amount: 'must be greater than zero',
          asset: 'must be one of BTC',
          ...scheduleProblems,
        },
      },
    });
  });

  it('turns a failed count condition into LimitExceededError, under either spelling of the reason', () => {
    for (const type of ['ConditionCheckFailed', 'ConditionalCheckFailed']) {
      const ctx = context(
        {},
        {
          error: {
            type: 'DynamoDB:TransactionCanceledException',
            message: 'Transaction cancelled',
          },
          result: {
            keys: null,
            cancellationReasons: [
              { type: 'None', message: 'None' },
              { type, message: 'The conditional request failed' },
            ],
          },
        },
      );
      expect(call(handlers('pipeline/createPlanItem').response, ctx)).toEqual({
        kind: 'error',
        message: 'You can have at most 25 savings plans; delete one to create another.',
        errorType: 'LimitExceededError',
        errorInfo: { limit: 25 },
      });
    }
  });
});

describe('Mutation.pausePlan and Mutation.resumePlan', () => {
  it('pauses only an active plan, bumping the version and clearing nextRunAt', () => {
    expect(call(handlers('Mutation.pausePlan').request, context({ id: PLAN_ID }))).toEqual({
      kind: 'value',
      value: {
        operation: 'UpdateItem',
        key: { userId: { S: 'alice' }, planId: { S: PLAN_ID } },
        update: {
          expression:
            'SET #status = :to, #version = #version + :one, #updatedAt = :now, #syncShard = :shard REMOVE #nextRunAt',
          expressionNames: {
            '#status': 'status',
            '#version': 'version',
            '#updatedAt': 'updatedAt',
            '#nextRunAt': 'nextRunAt',
            '#syncShard': 'syncShard',
          },
          expressionValues: {
            ':to': { S: 'PAUSED' },
            ':one': { N: 1 },
            ':now': { S: NOW_ISO },
            ':shard': { S: PLAN_ID.slice(-1) },
          },
        },
        condition: {
          expression: '#status = :from',
          expressionNames: { '#status': 'status' },
          expressionValues: { ':from': { S: 'ACTIVE' } },
        },
      },
    });
    expect(call(handlers('Mutation.resumePlan').request, context({ id: PLAN_ID }))).toMatchObject({
      kind: 'value',
      value: {
        update: { expressionValues: { ':to': { S: 'ACTIVE' } } },
        condition: { expressionValues: { ':from': { S: 'PAUSED' } } },
      },
    });
  });

  it('answers a failed condition from the current item AppSync hands back', () => {
    const failed = {
      type: 'DynamoDB:ConditionalCheckFailedException',
      message: 'The conditional request failed',
    };
    const pause = handlers('Mutation.pausePlan').response;
    expect(
      call(
        pause,
        context({ id: PLAN_ID }, { error: failed, result: { ...STORED_PLAN, status: 'PAUSED' } }),
      ),
    ).toEqual({
      kind: 'value',
      value: { ...GRAPHQL_PLAN, status: 'PAUSED' },
    });
    expect(call(pause, context({ id: PLAN_ID }, { error: failed, result: null }))).toMatchObject({
      kind: 'error',
      errorType: 'NotFoundError',
    });
    expect(
      call(
        pause,
        context({ id: PLAN_ID }, { error: failed, result: { ...STORED_PLAN, status: 'ENDED' } }),
      ),
    ).toMatchObject({
      kind: 'error',
      errorType: 'ValidationError',
    });
  });
});

describe('the updatePlan pipeline', () => {
  it('writes the merged plan conditional on the expected version', () => {
    const ctx = context(
      { input: { id: PLAN_ID, expectedVersion: 3, currency: 'USD' } },
      { stash: { planId: PLAN_ID, current: STORED_PLAN, schedule: null, scheduleProblems: {} } },
    );
    expect(call(handlers('pipeline/updatePlanItem').request, ctx)).toEqual({
      kind: 'value',
      value: {
        operation: 'UpdateItem',
        key: { userId: { S: 'alice' }, planId: { S: PLAN_ID } },
        update: {
          expression:
            'SET #amount = :amount, #currency = :currency, #schedule = :schedule, #version = :next, #updatedAt = :now, #syncShard = :shard',
          expressionNames: {
            '#amount': 'amount',
            '#currency': 'currency',
            '#schedule': 'schedule',
            '#version': 'version',
            '#updatedAt': 'updatedAt',
            '#syncShard': 'syncShard',
          },
          expressionValues: {
            ':amount': { S: '25.00' },
            ':currency': { S: 'USD' },
            ':schedule': {
              M: {
                frequency: { S: 'WEEKLY' },
                timeOfDay: { S: '09:00' },
                timezone: { S: 'Europe/Berlin' },
                dayOfWeek: { N: 1 },
                startDate: { S: '2026-11-23' },
              },
            },
            ':next': { N: 4 },
            ':now': { S: NOW_ISO },
            ':shard': { S: PLAN_ID.slice(-1) },
          },
        },
        condition: {
          expression: '#version = :expected',
          expressionNames: { '#version': 'version' },
          expressionValues: { ':expected': { N: 3 } },
        },
      },
    });
  });

  it('reads one open run of the plan before a currency change, and nothing otherwise', () => {
    const change = context(
      { input: { id: PLAN_ID, expectedVersion: 3, currency: 'USD' } },
      { stash: { planId: PLAN_ID, current: STORED_PLAN }, prev: { result: STORED_PLAN } },
    );
    expect(call(handlers('pipeline/checkOpenRuns').request, change)).toEqual({
      kind: 'value',
      value: {
        operation: 'Query',
        index: 'openByPlan',
        query: {
          expression: '#ownerPlan = :ownerPlan',
          expressionNames: { '#ownerPlan': 'ownerPlan' },
          expressionValues: { ':ownerPlan': { S: `alice#${PLAN_ID}` } },
        },
        limit: 1,
      },
    });
    for (const input of [
      { id: PLAN_ID, expectedVersion: 3, amount: '30' },
      { id: PLAN_ID, expectedVersion: 3, currency: 'EUR' },
    ]) {
      const same = context(
        { input },
        { stash: { planId: PLAN_ID, current: STORED_PLAN }, prev: { result: STORED_PLAN } },
      );
      expect(call(handlers('pipeline/checkOpenRuns').request, same)).toEqual({
        kind: 'earlyReturn',
        value: STORED_PLAN,
      });
    }
  });

  it('refuses a currency change while a run is open, and lets it through otherwise', () => {
    const answer = (items: object[]) =>
      context(
        { input: { id: PLAN_ID, expectedVersion: 3, currency: 'USD' } },
        {
          stash: { planId: PLAN_ID, current: STORED_PLAN },
          prev: { result: STORED_PLAN },
          result: { items },
        },
      );
    const response = handlers('pipeline/checkOpenRuns').response;
    expect(call(response, answer([{ ownerPlan: `alice#${PLAN_ID}`, openShard: '3' }]))).toEqual({
      kind: 'error',
      message:
        'Invalid input: currency cannot change while a purchase of this plan is in progress; try again once it has finished.',
      errorType: 'ValidationError',
      errorInfo: {
        fields: {
          currency:
            'cannot change while a purchase of this plan is in progress; try again once it has finished',
        },
      },
    });
    expect(call(response, answer([]))).toEqual({ kind: 'value', value: STORED_PLAN });
  });

  it('refuses a stale version before writing', () => {
    const ctx = context(
      { input: { id: PLAN_ID, expectedVersion: 2, amount: '30' } },
      { stash: { planId: PLAN_ID, current: STORED_PLAN } },
    );
    expect(call(handlers('pipeline/updatePlanItem').request, ctx)).toEqual({
      kind: 'error',
      message: 'The plan was changed in the meantime (now at version 3); reload it and try again.',
      errorType: 'ConflictError',
      errorInfo: { currentVersion: 3 },
    });
  });

  it('loads the plan strongly consistently by the stashed id', () => {
    const ctx = context({ input: { id: PLAN_ID } }, { stash: { planId: PLAN_ID } });
    expect(call(handlers('pipeline/loadPlan').request, ctx)).toEqual({
      kind: 'value',
      value: {
        operation: 'GetItem',
        key: { userId: { S: 'alice' }, planId: { S: PLAN_ID } },
        consistentRead: true,
      },
    });
  });
});

describe('the deletePlan pipeline', () => {
  it('deletes at the version read and lowers the count in one transaction', () => {
    const ctx = context({ id: PLAN_ID }, { stash: { planId: PLAN_ID, current: STORED_PLAN } });
    expect(call(handlers('pipeline/deletePlanItem').request, ctx)).toEqual({
      kind: 'value',
      value: {
        operation: 'TransactWriteItems',
        transactItems: [
          {
            table: 'test-plans',
            operation: 'DeleteItem',
            key: { userId: { S: 'alice' }, planId: { S: PLAN_ID } },
            condition: {
              expression: '#version = :version',
              expressionNames: { '#version': 'version' },
              expressionValues: { ':version': { N: 3 } },
              returnValuesOnConditionCheckFailure: true,
            },
          },
          {
            table: 'test-plans',
            operation: 'UpdateItem',
            key: { userId: { S: 'alice' }, planId: { S: '#meta' } },
            update: {
              expression: 'SET #count = if_not_exists(#count, :one) - :one, #updatedAt = :now',
              expressionNames: { '#count': 'planCount', '#updatedAt': 'updatedAt' },
              expressionValues: { ':one': { N: 1 }, ':now': { S: NOW_ISO } },
            },
          },
        ],
      },
    });
  });

  it('answers with the plan as it was', () => {
    const ctx = context(
      { id: PLAN_ID },
      {
        stash: { planId: PLAN_ID, current: STORED_PLAN },
        result: { keys: [], cancellationReasons: null },
      },
    );
    expect(call(handlers('pipeline/deletePlanItem').response, ctx)).toEqual({
      kind: 'value',
      value: GRAPHQL_PLAN,
    });
  });
});

describe('Query.notifications', () => {
  it("queries only notification items of the caller's partition, never the counters beside them", () => {
    expect(call(handlers('Query.notifications').request, context({ limit: 5 }))).toEqual({
      kind: 'value',
      value: {
        operation: 'Query',
        query: {
          expression: '#userId = :userId AND begins_with(#sk, :prefix)',
          expressionNames: { '#userId': 'userId', '#sk': 'sk' },
          expressionValues: { ':userId': { S: 'alice' }, ':prefix': { S: 'n#' } },
        },
        scanIndexForward: false,
        limit: 5,
      },
    });
  });

  it('answers why a notification was held back, and null for one that was sent', () => {
    const sent = {
      id: 'e1#EMAIL',
      event: 'PLAN_CHANGED',
      channel: 'EMAIL',
      to: 'alice@example.com',
      subject: 'Your plan changed',
      body: 'Your plan now buys 25.00 EUR weekly.',
      planId: PLAN_ID,
      status: 'SENT',
      sentAt: NOW_ISO,
    };
    const held = {
      ...sent,
      id: 'e2#SMS',
      channel: 'SMS',
      to: '+4915123456789',
      subject: undefined,
      status: 'HELD_BACK',
      reason: 'DAILY_LIMIT',
    };
    const common = { planId: PLAN_ID, executionId: null, sentAt: NOW_ISO, event: 'PLAN_CHANGED' };
    expect(
      call(
        handlers('Query.notifications').response,
        context({}, { result: { items: [held, sent], nextToken: null } }),
      ),
    ).toEqual({
      kind: 'value',
      value: {
        items: [
          {
            ...common,
            id: 'e2#SMS',
            channel: 'SMS',
            to: '+4915123456789',
            subject: null,
            body: sent.body,
            status: 'HELD_BACK',
            reason: 'DAILY_LIMIT',
          },
          {
            ...common,
            id: 'e1#EMAIL',
            channel: 'EMAIL',
            to: 'alice@example.com',
            subject: 'Your plan changed',
            body: sent.body,
            status: 'SENT',
            reason: null,
          },
        ],
        nextToken: null,
      },
    });
  });
});
