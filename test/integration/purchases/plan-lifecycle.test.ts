/**
 * What users do to running plans, end to end: pause and resume (missed slots are not made up),
 * skip the next run, change the schedule (never a second run in a period), preview a schedule,
 * read executions (only their own); and what the system does when a run was missed or refused.
 */
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id version } }`;
const PLAN = `query Plan($id: ID!) {
  plan(id: $id) { status version nextRunAt executionCount lastRunAt }
  executions(planId: $id, limit: 100) { items { scheduledFor status failureReason } }
}`;
const PAUSE = `mutation Pause($id: ID!) { pausePlan(id: $id) { status nextRunAt version } }`;
const RESUME = `mutation Resume($id: ID!) { resumePlan(id: $id) { status nextRunAt version } }`;
const SKIP = `mutation Skip($id: ID!) { skipNextRun(id: $id) { status nextRunAt version } }`;
const UPDATE = `mutation Update($input: UpdatePlanInput!) { updatePlan(input: $input) { version schedule { dayOfWeek } } }`;
const PREVIEW = `query Preview($schedule: ScheduleInput!, $count: Int) { previewSchedule(schedule: $schedule, count: $count) }`;

interface PlanView {
  plan: {
    status: string;
    version: number;
    nextRunAt: string | null;
    executionCount: number;
    lastRunAt: string | null;
  };
  executions: { items: { scheduledFor: string; status: string; failureReason: string | null }[] };
}

let stack: LocalStack;
let erin: GraphqlClient;

beforeAll(async () => {
  // Monday 2027-03-01, 06:00 in Berlin.
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-03-01T05:00:00Z')) });
  erin = await signIn(stack, 'erin');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  // Every event the file's runs published is one of the catalog's, with its detail's shape.
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

const at = (iso: string) => stack.advanceTo(Date.parse(iso));
const view = (id: string) => erin.data<PlanView>(PLAN, { id });

async function create(schedule: Record<string, unknown>, amount = '20.00'): Promise<string> {
  const { createPlan } = await erin.data<{ createPlan: { id: string } }>(CREATE, {
    input: { amount, currency: 'EUR', schedule },
  });
  await stack.settle();
  return createPlan.id;
}

describe('a new plan', () => {
  it('is armed for its first slot at or after now', async () => {
    const id = await create({ frequency: 'DAILY', timeOfDay: '09:00', timezone: 'Europe/Berlin' });
    expect((await view(id)).plan).toMatchObject({
      status: 'ACTIVE',
      nextRunAt: '2027-03-01T08:00:00Z',
      version: 1,
    });
    const schedule = stack.scheduler.list().find((item) => item.name === `plan-${id}`);
    expect(schedule).toMatchObject({
      expression: 'at(2027-03-01T08:00:00)',
      nextFireAt: '2027-03-01T08:00:00.000Z',
    });
    await erin.data(PAUSE, { id });
  });
});

describe('pause and resume', () => {
  it('stops runs while paused and does not make up the slots missed meanwhile', async () => {
    const id = await create({ frequency: 'DAILY', timeOfDay: '10:00', timezone: 'Europe/Berlin' });
    await at('2027-03-01T09:30:00Z');
    expect((await view(id)).executions.items.map((item) => item.scheduledFor)).toEqual([
      '2027-03-01T09:00:00Z',
    ]);

    const paused = await erin.data<{ pausePlan: { status: string; nextRunAt: string | null } }>(
      PAUSE,
      { id },
    );
    expect(paused.pausePlan).toMatchObject({ status: 'PAUSED', nextRunAt: null });
    await stack.settle();
    expect(stack.scheduler.list().some((item) => item.name === `plan-${id}`)).toBe(false);

    await at('2027-03-04T12:00:00Z');
    const resumed = await erin.data<{ resumePlan: { status: string } }>(RESUME, { id });
    expect(resumed.resumePlan.status).toBe('ACTIVE');
    await stack.settle();
    expect((await view(id)).plan.nextRunAt).toBe('2027-03-05T09:00:00Z');
    await at('2027-03-05T12:00:00Z');
    expect((await view(id)).executions.items.map((item) => item.scheduledFor)).toEqual([
      '2027-03-05T09:00:00Z',
      '2027-03-01T09:00:00Z',
    ]);
    await erin.data(PAUSE, { id });
  });
});

describe('skipNextRun', () => {
  it('records the skipped slot as SKIPPED, moves nextRunAt on at once, and runs the one after', async () => {
    const id = await create({
      frequency: 'WEEKLY',
      dayOfWeek: 2,
      timeOfDay: '07:00',
      timezone: 'Europe/Berlin',
    });
    const before = await view(id);
    expect(before.plan.nextRunAt).toBe('2027-03-09T06:00:00Z');
    const { skipNextRun } = await erin.data<{
      skipNextRun: { nextRunAt: string; version: number };
    }>(SKIP, { id });
    expect(skipNextRun).toEqual({
      status: 'ACTIVE',
      nextRunAt: '2027-03-16T06:00:00Z',
      version: before.plan.version + 1,
    });
    await at('2027-03-16T12:00:00Z');
    const after = await view(id);
    expect(after.executions.items).toEqual([
      { scheduledFor: '2027-03-16T06:00:00Z', status: 'FILLED', failureReason: null },
      {
        scheduledFor: '2027-03-09T06:00:00Z',
        status: 'SKIPPED',
        failureReason: 'You chose to skip this run.',
      },
    ]);
    expect(after.plan).toMatchObject({ executionCount: 1, nextRunAt: '2027-03-23T06:00:00Z' });
    const skipped = stack.eventBus
      .events()
      .filter((event) => event.detailType === 'PurchaseSkipped');
    expect(
      skipped.map((event) => (event.detail as { scheduledFor: string }).scheduledFor),
    ).toContain('2027-03-09T06:00:00Z');
    await erin.data(PAUSE, { id });
  });
});

describe('changing the schedule after a run', () => {
  it('never causes a second run in a week that already had one', async () => {
    // Monday 2027-03-22 09:00 Berlin runs; then the plan moves to Wednesdays.
    const id = await create({
      frequency: 'WEEKLY',
      dayOfWeek: 1,
      timeOfDay: '09:00',
      timezone: 'Europe/Berlin',
    });
    await at('2027-03-22T09:00:00Z');
    expect((await view(id)).executions.items.map((item) => item.scheduledFor)).toEqual([
      '2027-03-22T08:00:00Z',
    ]);
    await erin.data(UPDATE, {
      input: {
        id,
        expectedVersion: 1,
        schedule: {
          frequency: 'WEEKLY',
          dayOfWeek: 3,
          timeOfDay: '09:00',
          timezone: 'Europe/Berlin',
        },
      },
    });
    await stack.settle();
    // Not Wednesday 2027-03-24 (same week as the Monday run); the next Wednesday, in summer time.
    expect((await view(id)).plan.nextRunAt).toBe('2027-03-31T07:00:00Z');
    await at('2027-04-01T00:00:00Z');
    expect((await view(id)).executions.items.map((item) => item.scheduledFor)).toEqual([
      '2027-03-31T07:00:00Z',
      '2027-03-22T08:00:00Z',
    ]);
    await erin.data(PAUSE, { id });
  });
});

describe('the sweeper', () => {
  it('records a run whose schedule was lost as missed, re-arms the plan and emits PlanRunMissed', async () => {
    const id = await create({ frequency: 'DAILY', timeOfDay: '12:00', timezone: 'Europe/Berlin' });
    expect((await view(id)).plan.nextRunAt).toBe('2027-04-01T10:00:00Z');
    // Lose the schedule behind the system's back.
    const scheduler = new SchedulerClient({
      region: 'eu-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: `${stack.url}/_aws/scheduler`,
    });
    const group = stack.scheduler.list().find((item) => item.name === `plan-${id}`)?.group;
    await scheduler.send(new DeleteScheduleCommand({ Name: `plan-${id}`, GroupName: group }));
    scheduler.destroy();

    await at('2027-04-01T10:40:00Z');
    const after = await view(id);
    expect(after.executions.items).toEqual([
      {
        scheduledFor: '2027-04-01T10:00:00Z',
        status: 'SKIPPED',
        failureReason:
          'This run did not start on time and was not made up; the plan continues with its next slot.',
      },
    ]);
    expect(after.plan).toMatchObject({
      status: 'ACTIVE',
      nextRunAt: '2027-04-02T10:00:00Z',
      executionCount: 0,
    });
    const missed = stack.eventBus.events().filter((event) => event.detailType === 'PlanRunMissed');
    expect(missed.map((event) => event.detail)).toEqual([
      expect.objectContaining({
        planId: id,
        userId: 'erin',
        scheduledFor: '2027-04-01T10:00:00Z',
        nextRunAt: '2027-04-02T10:00:00Z',
        action: 'REARMED',
      }),
    ]);
    await at('2027-04-02T11:00:00Z');
    expect(
      (await view(id)).executions.items.map((item) => [item.scheduledFor, item.status]),
    ).toEqual([
      ['2027-04-02T10:00:00Z', 'FILLED'],
      ['2027-04-01T10:00:00Z', 'SKIPPED'],
    ]);
    await erin.data(PAUSE, { id });
  });
});

describe('a refused order', () => {
  it('fails with a reason a user can read when the amount is under the exchange minimum', async () => {
    stack.exchange.configure({ minQuote: { EUR: '30.00' } });
    const id = await create(
      { frequency: 'DAILY', timeOfDay: '09:00', timezone: 'Europe/Berlin' },
      '20.00',
    );
    await at('2027-04-03T08:00:00Z');
    stack.exchange.configure({ minQuote: { EUR: '1.00' } });
    const after = await view(id);
    expect(after.executions.items).toEqual([
      {
        scheduledFor: '2027-04-03T07:00:00Z',
        status: 'FAILED',
        failureReason: "20.00 EUR is below the exchange's minimum order of 30.00 EUR.",
      },
    ]);
    expect(after.plan).toMatchObject({
      executionCount: 0,
      lastRunAt: '2027-04-03T07:00:00Z',
      nextRunAt: '2027-04-04T07:00:00Z',
    });
    const failed = stack.eventBus.events().filter((event) => event.detailType === 'PurchaseFailed');
    expect(failed.map((event) => (event.detail as { failureCode: string }).failureCode)).toEqual([
      'BELOW_MINIMUM',
    ]);
    await erin.data(PAUSE, { id });
  });
});

describe('previewSchedule and executions', () => {
  it('previews the next runs from now in the schedule\u2019s zone', async () => {
    const { previewSchedule } = await erin.data<{ previewSchedule: string[] }>(PREVIEW, {
      schedule: {
        frequency: 'MONTHLY',
        dayOfMonth: 31,
        timeOfDay: '09:00',
        timezone: 'Europe/Berlin',
      },
      count: 4,
    });
    expect(previewSchedule).toEqual([
      '2027-04-30T07:00:00Z',
      '2027-05-31T07:00:00Z',
      '2027-06-30T07:00:00Z',
      '2027-07-31T07:00:00Z',
    ]);
    expect(
      await erin.error(PREVIEW, {
        schedule: { frequency: 'DAILY', timeOfDay: '25:00', timezone: 'Europe/Berlin' },
        count: 21,
      }),
    ).toMatchObject({
      errorType: 'ValidationError',
      errorInfo: {
        fields: {
          count: 'must be from 1 to 20',
          'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59',
        },
      },
    });
  });

  it("shows nobody else's executions", async () => {
    const id = await create({ frequency: 'DAILY', timeOfDay: '09:00', timezone: 'Europe/Berlin' });
    await at('2027-04-04T08:00:00Z');
    expect((await view(id)).executions.items.map((item) => item.scheduledFor)).toEqual([
      '2027-04-04T07:00:00Z',
    ]);
    const frank = await signIn(stack, 'frank');
    const foreign = await frank.data<{
      executions: { items: unknown[]; nextToken: string | null };
    }>('query E($id: ID!) { executions(planId: $id) { items { scheduledFor } nextToken } }', {
      id,
    });
    expect(foreign.executions).toEqual({ items: [], nextToken: null });
    await erin.data(PAUSE, { id });
  });
});
