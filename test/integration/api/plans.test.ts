/**
 * The plans API end to end: the deployed resolver bundles in the local APPSYNC_JS runtime,
 * against DynamoDB Local, through HTTP as a frontend calls it.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { PLAN_FIELDS, signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { ${PLAN_FIELDS} } }`;
const GET = `query Get($id: ID!) { plan(id: $id) { ${PLAN_FIELDS} } }`;
const LIST = `query List($limit: Int, $nextToken: String) { plans(limit: $limit, nextToken: $nextToken) { items { id createdAt } nextToken } }`;
const UPDATE = `mutation Update($input: UpdatePlanInput!) { updatePlan(input: $input) { ${PLAN_FIELDS} } }`;
const PAUSE = `mutation Pause($id: ID!) { pausePlan(id: $id) { ${PLAN_FIELDS} } }`;
const RESUME = `mutation Resume($id: ID!) { resumePlan(id: $id) { ${PLAN_FIELDS} } }`;
const DELETE = `mutation Delete($id: ID!) { deletePlan(id: $id) { ${PLAN_FIELDS} } }`;

const WEEKLY = { frequency: 'WEEKLY', dayOfWeek: 1, timeOfDay: '09:00', timezone: 'Europe/Berlin' };

interface Plan {
  id: string;
  status: string;
  amount: string;
  currency: string;
  version: number;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
  schedule: Record<string, unknown>;
}

let stack: LocalStack;
let alice: GraphqlClient;
let bob: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await signIn(stack, 'alice');
  bob = await signIn(stack, 'bob');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function create(client: GraphqlClient, input: Record<string, unknown> = {}): Promise<Plan> {
  const data = await client.data<{ createPlan: Plan }>(CREATE, {
    input: { amount: '25.00', currency: 'EUR', schedule: WEEKLY, ...input },
  });
  return data.createPlan;
}

describe('createPlan', () => {
  it('stores a plan for the caller with version 1 and normalised amount', async () => {
    const plan = await create(alice, { amount: '25.5', currency: 'USD' });
    const now = new Date(stack.clock.now());
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(now);
    expect(plan).toEqual({
      id: expect.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/),
      status: 'ACTIVE',
      amount: '25.50',
      currency: 'USD',
      asset: 'BTC',
      version: 1,
      nextRunAt: null,
      createdAt: plan.updatedAt,
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      schedule: {
        frequency: 'WEEKLY',
        timeOfDay: '09:00',
        timezone: 'Europe/Berlin',
        dayOfWeek: 1,
        dayOfMonth: null,
        startDate: today,
        endDate: null,
      },
    });
    const got = await alice.data<{ plan: Plan }>(GET, { id: plan.id });
    expect(got.plan).toEqual(plan);
  });

  it('keeps every schedule field it was given', async () => {
    const plan = await create(alice, {
      asset: 'BTC',
      schedule: {
        frequency: 'MONTHLY',
        dayOfMonth: 31,
        timeOfDay: '23:59',
        timezone: 'Australia/Sydney',
        startDate: '2030-01-01',
        endDate: '2031-12-31',
      },
    });
    expect(plan.schedule).toEqual({
      frequency: 'MONTHLY',
      timeOfDay: '23:59',
      timezone: 'Australia/Sydney',
      dayOfWeek: null,
      dayOfMonth: 31,
      startDate: '2030-01-01',
      endDate: '2031-12-31',
    });
  });
});

describe('ownership', () => {
  it("hides one user's plans from another: plan is null, plans omits them, mutations say NotFoundError", async () => {
    const plan = await create(alice);
    expect((await bob.data<{ plan: Plan | null }>(GET, { id: plan.id })).plan).toBeNull();
    const bobsList = await bob.data<{ plans: { items: { id: string }[] } }>(LIST, { limit: 100 });
    expect(bobsList.plans.items.map((item) => item.id)).not.toContain(plan.id);
    for (const [query, variables] of [
      [PAUSE, { id: plan.id }],
      [RESUME, { id: plan.id }],
      [DELETE, { id: plan.id }],
      [UPDATE, { input: { id: plan.id, expectedVersion: 1, amount: '30.00' } }],
    ] as const) {
      const error = await bob.error(query, variables);
      expect(error).toMatchObject({
        errorType: 'NotFoundError',
        message: 'No savings plan with this id.',
      });
    }
    // Alice's plan is untouched by all of that.
    expect((await alice.data<{ plan: Plan }>(GET, { id: plan.id })).plan).toEqual(plan);
  });

  it('answers an absent plan exactly like a foreign one', async () => {
    const absent = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    expect((await alice.data<{ plan: Plan | null }>(GET, { id: absent })).plan).toBeNull();
    expect(await alice.error(PAUSE, { id: absent })).toMatchObject({ errorType: 'NotFoundError' });
    expect(await alice.error(PAUSE, { id: '#meta' })).toMatchObject({ errorType: 'NotFoundError' });
    expect((await alice.data<{ plan: Plan | null }>(GET, { id: '#meta' })).plan).toBeNull();
  });
});

describe('updatePlan', () => {
  it('applies the change, increments the version and keeps the rest', async () => {
    const plan = await create(alice);
    const { updatePlan } = await alice.data<{ updatePlan: Plan }>(UPDATE, {
      input: { id: plan.id, expectedVersion: 1, amount: '40' },
    });
    expect(updatePlan).toEqual({
      ...plan,
      amount: '40.00',
      version: 2,
      updatedAt: updatePlan.updatedAt,
    });
    expect(updatePlan.updatedAt >= plan.updatedAt).toBe(true);
  });

  it('keeps the start date when a new schedule leaves it out', async () => {
    const plan = await create(alice, { schedule: { ...WEEKLY, startDate: '2030-03-04' } });
    const { updatePlan } = await alice.data<{ updatePlan: Plan }>(UPDATE, {
      input: {
        id: plan.id,
        expectedVersion: 1,
        schedule: { frequency: 'DAILY', timeOfDay: '07:30', timezone: 'Asia/Kolkata' },
      },
    });
    expect(updatePlan.schedule).toEqual({
      frequency: 'DAILY',
      timeOfDay: '07:30',
      timezone: 'Asia/Kolkata',
      dayOfWeek: null,
      dayOfMonth: null,
      startDate: '2030-03-04',
      endDate: null,
    });
  });

  it('refuses a stale expectedVersion with ConflictError and changes nothing', async () => {
    const plan = await create(alice);
    await alice.data(UPDATE, { input: { id: plan.id, expectedVersion: 1, amount: '30.00' } });
    const error = await alice.error(UPDATE, {
      input: { id: plan.id, expectedVersion: 1, amount: '99.00' },
    });
    expect(error).toMatchObject({ errorType: 'ConflictError', errorInfo: { currentVersion: 2 } });
    const { plan: stored } = await alice.data<{ plan: Plan }>(GET, { id: plan.id });
    expect(stored).toMatchObject({ amount: '30.00', version: 2 });
  });

  it('lets exactly one of two concurrent updates at the same version win', async () => {
    const plan = await create(alice);
    const results = await Promise.all(
      ['11.00', '12.00', '13.00', '14.00', '15.00'].map((amount) =>
        alice.request<{ updatePlan: Plan }>(UPDATE, {
          input: { id: plan.id, expectedVersion: 1, amount },
        }),
      ),
    );
    const winners = results.filter((result) => result.errors === undefined);
    const losers = results.filter((result) => result.errors !== undefined);
    expect(winners).toHaveLength(1);
    expect(losers.map((result) => result.errors?.[0]?.errorType)).toEqual([
      'ConflictError',
      'ConflictError',
      'ConflictError',
      'ConflictError',
    ]);
    const { plan: stored } = await alice.data<{ plan: Plan }>(GET, { id: plan.id });
    expect(stored).toMatchObject({ version: 2, amount: winners[0]?.data?.updatePlan.amount });
  });

  it('re-checks the kept amount against a new currency', async () => {
    const plan = await create(alice, { amount: '20.00', currency: 'USD' });
    const { updatePlan } = await alice.data<{ updatePlan: Plan }>(UPDATE, {
      input: { id: plan.id, expectedVersion: 1, currency: 'GBP' },
    });
    expect(updatePlan).toMatchObject({ amount: '20.00', currency: 'GBP', version: 2 });
  });

  it('removes nextRunAt when the schedule changes, so the scheduler arms the new one', async () => {
    const plan = await create(alice);
    await stack.dynamodb.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: stack.settings.plansTable,
        Key: { userId: { S: 'alice' }, planId: { S: plan.id } },
        UpdateExpression: 'SET nextRunAt = :at',
        ExpressionAttributeValues: { ':at': { S: '2030-01-07T08:00:00.000Z' } },
      }),
    );
    const amountOnly = await alice.data<{ updatePlan: Plan }>(UPDATE, {
      input: { id: plan.id, expectedVersion: 1, amount: '26.00' },
    });
    expect(amountOnly.updatePlan.nextRunAt).toBe('2030-01-07T08:00:00.000Z');
    const scheduleChange = await alice.data<{ updatePlan: Plan }>(UPDATE, {
      input: { id: plan.id, expectedVersion: 2, schedule: { ...WEEKLY, dayOfWeek: 2 } },
    });
    expect(scheduleChange.updatePlan.nextRunAt).toBeNull();
  });
});

describe('pausePlan and resumePlan', () => {
  it('pauses and resumes, each a new version, and clears nextRunAt while paused', async () => {
    const plan = await create(alice);
    const paused = (await alice.data<{ pausePlan: Plan }>(PAUSE, { id: plan.id })).pausePlan;
    expect(paused).toMatchObject({ status: 'PAUSED', version: 2, nextRunAt: null });
    const resumed = (await alice.data<{ resumePlan: Plan }>(RESUME, { id: plan.id })).resumePlan;
    expect(resumed).toMatchObject({ status: 'ACTIVE', version: 3 });
  });

  it('returns a paused plan unchanged when paused again, and an active one when resumed again', async () => {
    const plan = await create(alice);
    const paused = (await alice.data<{ pausePlan: Plan }>(PAUSE, { id: plan.id })).pausePlan;
    expect((await alice.data<{ pausePlan: Plan }>(PAUSE, { id: plan.id })).pausePlan).toEqual(
      paused,
    );
    const resumed = (await alice.data<{ resumePlan: Plan }>(RESUME, { id: plan.id })).resumePlan;
    // The scheduler arms the resumed plan meanwhile (nextRunAt); the plan itself is unchanged.
    const { nextRunAt: _armed, ...unchanged } = resumed;
    expect((await alice.data<{ resumePlan: Plan }>(RESUME, { id: plan.id })).resumePlan).toEqual({
      ...unchanged,
      nextRunAt: expect.toBeOneOf([null, expect.any(String)]) as unknown,
    });
  });

  it('refuses to change a plan that has ended', async () => {
    const plan = await create(alice);
    await stack.dynamodb.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: stack.settings.plansTable,
        Key: { userId: { S: 'alice' }, planId: { S: plan.id } },
        UpdateExpression: 'SET #status = :ended',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':ended': { S: 'ENDED' } },
      }),
    );
    for (const [query, variables] of [
      [PAUSE, { id: plan.id }],
      [RESUME, { id: plan.id }],
      [UPDATE, { input: { id: plan.id, expectedVersion: 1, amount: '30.00' } }],
    ] as const) {
      expect(await alice.error(query, variables)).toMatchObject({
        errorType: 'ValidationError',
        errorInfo: { fields: { id: 'names a plan that has ended; it can no longer be changed' } },
      });
    }
  });
});

describe('deletePlan', () => {
  it('returns the plan as it was; afterwards plan(id) is null and it is gone from plans', async () => {
    const plan = await create(alice);
    const deleted = (await alice.data<{ deletePlan: Plan }>(DELETE, { id: plan.id })).deletePlan;
    expect(deleted).toEqual(plan);
    expect((await alice.data<{ plan: Plan | null }>(GET, { id: plan.id })).plan).toBeNull();
    const list = await alice.data<{ plans: { items: { id: string }[] } }>(LIST, { limit: 100 });
    expect(list.plans.items.map((item) => item.id)).not.toContain(plan.id);
    expect(await alice.error(DELETE, { id: plan.id })).toMatchObject({
      errorType: 'NotFoundError',
    });
  });
});

describe('the plan limit', () => {
  it('holds under concurrent creates: exactly 25 of 40 succeed, the rest get LimitExceededError', async () => {
    const carol = await signIn(stack, 'carol');
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        carol.request<{ createPlan: Plan }>(CREATE, {
          input: { amount: '10.00', currency: 'EUR', schedule: WEEKLY },
        }),
      ),
    );
    const created = results.filter((result) => result.errors === undefined);
    const refused = results.filter((result) => result.errors !== undefined);
    expect(created).toHaveLength(25);
    expect(refused).toHaveLength(15);
    for (const result of refused) {
      expect(result.errors).toEqual([
        expect.objectContaining({
          errorType: 'LimitExceededError',
          message: 'You can have at most 25 savings plans; delete one to create another.',
          errorInfo: { limit: 25 },
        }),
      ]);
    }
    const stored = await stack.dynamodb.send(
      new ScanCommand({
        TableName: stack.settings.plansTable,
        FilterExpression: 'userId = :carol',
        ExpressionAttributeValues: { ':carol': { S: 'carol' } },
      }),
    );
    const items = stored.Items ?? [];
    expect(items.filter((item) => item.planId?.S !== '#meta')).toHaveLength(25);
    expect(items.find((item) => item.planId?.S === '#meta')?.planCount).toEqual({ N: '25' });

    // Deleting one frees exactly one place.
    const first = created[0]?.data?.createPlan as Plan;
    await carol.data(DELETE, { id: first.id });
    await create(carol);
    expect(
      await carol.error(CREATE, { input: { amount: '10.00', currency: 'EUR', schedule: WEEKLY } }),
    ).toMatchObject({
      errorType: 'LimitExceededError',
    });
  });
});

describe('plans pagination', () => {
  it('pages through every plan once, newest first', async () => {
    const dave = await signIn(stack, 'dave');
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1) ids.push((await create(dave)).id);

    const seen: string[] = [];
    let nextToken: string | null = null;
    let pages = 0;
    do {
      const page: { plans: { items: { id: string }[]; nextToken: string | null } } =
        await dave.data(LIST, { limit: 3, nextToken });
      expect(page.plans.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.plans.items.map((item) => item.id));
      nextToken = page.plans.nextToken;
      pages += 1;
    } while (nextToken !== null && pages < 10);

    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("refuses a token from someone else's query or a made-up one", async () => {
    const erin = await signIn(stack, 'erin');
    await create(erin);
    await create(erin);
    const page = await erin.data<{ plans: { nextToken: string } }>(LIST, { limit: 1 });
    expect(page.plans.nextToken).toEqual(expect.any(String));
    // The token is bound to the query, but the key condition is bound to the caller anyway:
    // Bob using Erin's token still only ever sees Bob's plans.
    const bobs = await bob.request<{ plans: { items: { id: string }[] } }>(LIST, {
      limit: 5,
      nextToken: page.plans.nextToken,
    });
    const erinsIds = (
      await erin.data<{ plans: { items: { id: string }[] } }>(LIST, { limit: 5 })
    ).plans.items.map((item) => item.id);
    for (const item of bobs.data?.plans.items ?? []) expect(erinsIds).not.toContain(item.id);

    expect(await erin.error(LIST, { limit: 1, nextToken: 'bm90IGEgdG9rZW4=' })).toMatchObject({
      errorType: 'ValidationError',
      errorInfo: { fields: { nextToken: 'is not a token returned by an earlier page of plans' } },
    });
  });

  it('refuses a limit outside 1..100', async () => {
    for (const limit of [0, -1, 101]) {
      expect(await alice.error(LIST, { limit })).toMatchObject({
        errorType: 'ValidationError',
        errorInfo: { fields: { limit: 'must be from 1 to 100' } },
      });
    }
  });
});
