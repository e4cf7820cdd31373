/**
 * No plan stops buying silently: when the plans stream's consumer (schedule-sync) fails on a
 * plan's change, the batch goes to the `plan-stream-failures` queue and schedule-resync reads it
 * back from the stream and syncs the plan; when that fails too (or the stream has lost the
 * records), the sweeper finds the plan in the `unsynced` index and syncs it. Either way the plan
 * buys at its next slot, and the change is published once the batch is read back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const PAUSE = `mutation Pause($id: ID!) { pausePlan(id: $id) { status } }`;
const RESUME = `mutation Resume($id: ID!) { resumePlan(id: $id) { status nextRunAt } }`;
const PLAN = `query Plan($id: ID!) {
  plan(id: $id) { status nextRunAt }
  executions(planId: $id, limit: 10) { items { scheduledFor status } }
}`;

interface PlanView {
  plan: { status: string; nextRunAt: string | null };
  executions: { items: { scheduledFor: string; status: string }[] };
}

let stack: LocalStack;
let fay: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-10-04T06:00:00Z')) });
  fay = await signIn(stack, 'fay');
});

afterEach(async () => {
  await faults({});
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  // Every event the file's runs published is one of the catalog's, with its detail's shape.
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

async function faults(body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}/_local/faults`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`faults: ${response.status} ${await response.text()}`);
}

interface StreamRecord {
  dynamodb: { Keys: { planId: { S: string } } };
}

/** The plans of every stream batch sent to the failure queue so far. */
async function deadLetteredPlans(): Promise<string[]> {
  const { streams } = (await (await fetch(`${stack.url}/_local/dead-letters`)).json()) as {
    streams: { records: StreamRecord[] }[];
  };
  return streams.flatMap((batch) => batch.records.map((record) => record.dynamodb.Keys.planId.S));
}

async function create(timeOfDay: string, day: string): Promise<string> {
  const { createPlan } = await fay.data<{ createPlan: { id: string } }>(CREATE, {
    input: {
      amount: '20.00',
      currency: 'EUR',
      schedule: { frequency: 'DAILY', timeOfDay, timezone: 'UTC', startDate: day, endDate: day },
    },
  });
  return createPlan.id;
}

const view = (id: string) => fay.data<PlanView>(PLAN, { id });

describe('a plan whose stream record the schedule sync gave up on', () => {
  it('is synced from the plan-stream-failures queue, buys at its slot, and its change is published', async () => {
    await faults({ failingFunctions: ['schedule-sync'] });
    const id = await create('09:00', '2027-10-04');
    await stack.settle();
    // Five retries later the batch went to the failure queue, and schedule-resync synced it.
    expect(await deadLetteredPlans()).toContain(id);
    expect((await view(id)).plan).toEqual({
      status: 'ACTIVE',
      nextRunAt: '2027-10-04T09:00:00Z',
    });
    const created = stack.eventBus
      .events()
      .filter(
        (event) =>
          event.detailType === 'PlanChanged' &&
          (event.detail as { planId: string; change: string }).planId === id,
      )
      .map((event) => (event.detail as { change: string }).change);
    expect(created).toEqual(['CREATED']);

    await faults({});
    await stack.advanceTo(Date.parse('2027-10-04T09:05:00Z'));
    expect((await view(id)).executions.items).toEqual([
      { scheduledFor: '2027-10-04T09:00:00Z', status: 'FILLED' },
    ]);
  }, 120_000);
});

describe('a plan whose change neither the stream consumer nor the failure queue could sync', () => {
  it('is synced by the sweeper and buys at its next slot: a resumed plan', async () => {
    const id = await create('12:00', '2027-10-05');
    await stack.settle();
    await fay.data(PAUSE, { id });
    await stack.settle();
    expect((await view(id)).plan).toEqual({ status: 'PAUSED', nextRunAt: null });

    await faults({ failingFunctions: ['schedule-sync', 'schedule-resync'] });
    await fay.data(RESUME, { id });
    await stack.settle();
    // ACTIVE, never armed: absent from the `due` index.
    expect((await view(id)).plan).toEqual({ status: 'ACTIVE', nextRunAt: null });

    // The sweeper runs every five minutes and syncs plans left unsynced for five minutes.
    await stack.advanceTo(Date.parse('2027-10-04T10:20:00Z'));
    expect((await view(id)).plan).toEqual({
      status: 'ACTIVE',
      nextRunAt: '2027-10-05T12:00:00Z',
    });

    await faults({});
    await stack.advanceTo(Date.parse('2027-10-05T12:05:00Z'));
    expect((await view(id)).executions.items).toEqual([
      { scheduledFor: '2027-10-05T12:00:00Z', status: 'FILLED' },
    ]);
  }, 180_000);
});
