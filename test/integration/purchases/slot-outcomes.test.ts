/**
 * Slots' final outcomes reach the slot-outcomes function on the local stack, wired from the
 * topology as deployed: the workflow's `PurchaseSucceeded` goes through the outcomes rule into the
 * slot-outcomes queue, its event source mapping invokes the function, and the message is
 * consumed: nothing waits in the queue and nothing is dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

let stack: LocalStack;
let client: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-03-01T00:00:00Z')) });
  client = await signIn(stack, 'olga');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

/** The messages of one of the stack's queues, by its key in the topology. */
function queued(key: 'slot-outcomes' | 'slot-outcomes-dlq') {
  const prefix = (stack.tableNames.plans as string).replace(/-plans$/, '');
  return stack.sqs.messages(`${prefix}-${key}`);
}

describe('slot outcomes on the local stack', () => {
  it("a purchase's PurchaseSucceeded reaches slot-outcomes through the outcomes rule and its queue, and is consumed", async () => {
    const outcomes = stack.lambdas.get('slot-outcomes');
    expect(outcomes?.invocations).toBe(0);
    const [planId] = await createDailyPlans(client, 1, {
      amount: '25.00',
      currency: 'EUR',
      timeOfDay: '08:00',
      startDate: '2027-03-02',
      endDate: '2027-03-02',
    });
    await stack.advanceTo(Date.parse('2027-03-02T08:05:00Z'));
    await stack.settle();

    const published = stack.eventBus
      .events()
      .filter((event) => event.detail.planId === planId)
      .map((event) => event.detailType);
    expect(published).toContain('PurchaseSucceeded');
    expect(outcomes?.invocations).toBe(1);
    expect(queued('slot-outcomes')).toEqual([]);
    expect(queued('slot-outcomes-dlq')).toEqual([]);
  });
});
