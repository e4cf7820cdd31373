/**
 * The API's abuse limits on the local stack, as AppSync applies them: the resolver count limit
 * (the stacks' 20), the query depth limit, and previews that cannot take the capacity a skip
 * needs. The dev stack's depth limit (10) is deeper than any query the schema allows, so this
 * stack runs with a limit of 2 to show the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalLambda } from '#local/services/lambda.ts';
import { devStackConfig, type LocalStack } from '#local/stack.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const RESOLVER_LIMIT = devStackConfig().resolverCountLimit;
const SCHEDULE = `{ frequency: WEEKLY, dayOfWeek: 2, timeOfDay: "07:00", timezone: "Europe/Berlin" }`;

/** One request with `count` aliased previews, each on its own line (line i + 2, column 3). */
function previews(count: number): string {
  const fields = Array.from(
    { length: count },
    (_, index) => `  p${index}: previewSchedule(schedule: ${SCHEDULE}, count: 1)`,
  );
  return `query {\n${fields.join('\n')}\n}`;
}

let stack: LocalStack;
let alice: GraphqlClient;
let bob: GraphqlClient;
let planId: string;

const lambda = (name: 'calendar' | 'schedule-preview') => stack.lambdas.get(name) as LocalLambda;

async function create(client: GraphqlClient): Promise<string> {
  const { createPlan } = await client.data<{ createPlan: { id: string } }>(
    `mutation { createPlan(input: { amount: "20", currency: "EUR", schedule: ${SCHEDULE} }) { id } }`,
  );
  return createPlan.id;
}

beforeAll(async () => {
  // Monday 2027-03-01, 06:00 in Berlin: the plans' next run is Tuesday 07:00 (06:00Z).
  stack = await startTestStack({
    clock: new LocalClock(new Date('2027-03-01T05:00:00Z')),
    config: { ...devStackConfig(), queryDepthLimit: 2 },
  });
  alice = await signIn(stack, 'alice');
  bob = await signIn(stack, 'bob');
  planId = await create(alice);
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

describe('the resolver count limit', () => {
  it('is 20 on the dev stack, which the local stack runs', () => {
    expect(RESOLVER_LIMIT).toBe(20);
  });

  it('answers a request that invokes as many resolvers as the limit allows', async () => {
    const body = await alice.request<Record<string, string[]>>(previews(RESOLVER_LIMIT));
    expect(body).toEqual({
      data: Object.fromEntries(
        Array.from({ length: RESOLVER_LIMIT }, (_, index) => [
          `p${index}`,
          ['2027-03-02T06:00:00Z'],
        ]),
      ),
    });
  });

  it('refuses each resolver past the limit with ResolverExecutionLimitReached, without running it', async () => {
    const before = lambda('schedule-preview').invocations;
    const body = await alice.request(previews(RESOLVER_LIMIT + 1));
    // previewSchedule is non-null: its error nulls the first nullable parent, here `data`.
    expect(body).toEqual({
      data: null,
      errors: [
        {
          path: ['p20'],
          data: null,
          errorType: 'ResolverExecutionLimitReached',
          errorInfo: null,
          locations: [{ line: 22, column: 3, sourceName: null }],
          message: 'Resolver invocation limit of 20 reached',
        },
      ],
    });
    // The answer can come before the resolvers under the limit have finished (data is null).
    while (lambda('schedule-preview').inFlight > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(lambda('schedule-preview').invocations - before).toBe(RESOLVER_LIMIT);
  });

  it('counts the resolvers of a request across its fields, mutations included', async () => {
    const fields = Array.from(
      { length: RESOLVER_LIMIT + 1 },
      (_, index) => `  r${index}: resumePlan(id: "${planId}") { id }`,
    );
    const body = await alice.request(`mutation {\n${fields.join('\n')}\n}`);
    expect(body.errors?.map((error) => [error.path, error.errorType])).toEqual([
      [[`r${RESOLVER_LIMIT}`], 'ResolverExecutionLimitReached'],
    ]);
  });
});

describe('the query depth limit', () => {
  it('answers a query as deep as the limit', async () => {
    expect(
      await alice.request(`query($id: ID!) { plan(id: $id) { id status } }`, { id: planId }),
    ).toEqual({ data: { plan: { id: planId, status: 'ACTIVE' } } });
  });

  it('refuses a field deeper than the limit with QueryDepthLimitReached, nulling its first nullable parent', async () => {
    const body = await alice.request(
      `query($id: ID!) {\n  plan(id: $id) {\n    id\n    schedule { frequency }\n  }\n}`,
      { id: planId },
    );
    expect(body).toEqual({
      data: { plan: null },
      errors: [
        {
          path: ['plan', 'schedule', 'frequency'],
          data: null,
          errorType: 'QueryDepthLimitReached',
          errorInfo: null,
          locations: [{ line: 4, column: 16, sourceName: null }],
          message: 'Query depth limit of 2 reached',
        },
      ],
    });
  });
});

describe('previews under load', () => {
  const SKIP = `mutation($id: ID!) { skipNextRun(id: $id) { id nextRunAt } }`;

  it('would fail skips if they shared a function with them: a busy calendar throttles skipNextRun', async () => {
    const id = await create(bob);
    await stack.settle();
    // Thousands of calendar invocations queued directly keep its reserved concurrency in use.
    const calendar = lambda('calendar');
    const busy = Array.from({ length: 2000 }, () =>
      calendar
        .invoke({ operation: 'nextRunAfterSkip', schedule: {}, now: '', skip: [] })
        .catch(() => undefined),
    );
    const answer = await bob.request(SKIP, { id });
    await Promise.all(busy);
    expect(answer).toMatchObject({
      data: null,
      errors: [
        {
          path: ['skipNextRun'],
          errorType: 'Lambda:TooManyRequestsException',
          message: 'Rate Exceeded.',
        },
      ],
    });
    // Nothing changed: the next run is still the one the user meant to skip.
    expect(
      await bob.data(`query($id: ID!) { plan(id: $id) { nextRunAt version } }`, { id }),
    ).toEqual({ plan: { nextRunAt: '2027-03-02T06:00:00Z', version: 1 } });
  });

  it('never take the capacity skipNextRun needs: skips succeed while previews are throttled', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 8; index += 1) ids.push(await create(bob));
    await stack.settle();
    const before = {
      invocations: lambda('calendar').invocations,
      throttles: lambda('calendar').throttles,
    };

    // Alice floods: concurrent requests of 20 previews each (within the resolver count limit).
    let flooding = true;
    const flood = async () => {
      while (flooding) await alice.request(previews(RESOLVER_LIMIT));
    };
    const floods = Array.from({ length: 6 }, flood);
    const rounds: unknown[][] = [];
    let throttledDuringSkips = 0;
    try {
      const deadline = Date.now() + 10_000;
      const start = lambda('schedule-preview').throttles;
      while (lambda('schedule-preview').throttles === start && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const throttled = lambda('schedule-preview').throttles;
      // Bob skips each plan's next run three times, his skips concurrent with each other.
      for (let round = 0; round < 3; round += 1) {
        rounds.push(await Promise.all(ids.map((id) => bob.request(SKIP, { id }))));
      }
      throttledDuringSkips = lambda('schedule-preview').throttles - throttled;
    } finally {
      flooding = false;
      await Promise.all(floods);
    }
    expect(rounds).toEqual(
      ['2027-03-09T06:00:00Z', '2027-03-16T06:00:00Z', '2027-03-23T06:00:00Z'].map((nextRunAt) =>
        ids.map((id) => ({ data: { skipNextRun: { id, nextRunAt } } })),
      ),
    );
    // Previews were refused at their own function's reserved concurrency while the skips ran,
    // and none of them ran on the calendar function: it served the skips alone.
    expect(throttledDuringSkips).toBeGreaterThan(0);
    expect(lambda('calendar').invocations - before.invocations).toBe(3 * ids.length);
    expect(lambda('calendar').throttles - before.throttles).toBe(0);
  });
});
