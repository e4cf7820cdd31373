/** The EventBridge Scheduler stand-in, driven by the real SDK client and by the orchestrator API. */
import type { AddressInfo } from 'node:net';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import {
  CronNotSupportedError,
  LocalScheduler,
  StaleFiringError,
  type Delivery,
  type ScheduleView,
} from '#local/services/scheduler.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler-invoke`;
const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:purchase`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:schedules-dlq`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let endpoint: string;
let client: SchedulerClient;

let now: number;
let scheduler: LocalScheduler;
let deliveries: Delivery[];
let deliver: (delivery: Delivery) => Promise<void>;
let requests: string[];

const at = (iso: string) => Date.parse(iso);
const arnOf = (name: string, group = 'default') =>
  `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;

beforeAll(async () => {
  routes.prefixes.set('/_aws/scheduler', (request) => {
    requests.push(`${request.method} ${request.url.pathname}${request.url.search}`);
    return scheduler.handler(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_aws/scheduler`;
  client = new SchedulerClient({
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

beforeEach(() => {
  now = at('2026-12-07T07:00:00Z');
  deliveries = [];
  requests = [];
  deliver = async (delivery) => {
    deliveries.push(delivery);
  };
  scheduler = new LocalScheduler({
    now: () => now,
    region: REGION,
    accountId: ACCOUNT,
    deliver: (delivery) => deliver(delivery),
  });
});

function schedule(
  name: string,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: 'at(2026-12-07T08:00:00)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: '{"planId":"p1"}' },
    ...overrides,
  };
}

async function create(name: string, overrides: Partial<CreateScheduleCommandInput> = {}) {
  return client.send(new CreateScheduleCommand(schedule(name, overrides)));
}

async function get(name: string, group?: string) {
  const { $metadata: _, ...output } = await client.send(
    new GetScheduleCommand({ Name: name, GroupName: group }),
  );
  return output;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function viewOf(name: string): ScheduleView {
  const view = scheduler.list().find((candidate) => candidate.name === name);
  if (view === undefined) throw new Error(`no schedule ${name}`);
  return view;
}

async function fireAll(upTo: number): Promise<string[]> {
  const fired: string[] = [];
  for (let due = scheduler.nextDue(upTo); due !== null; due = scheduler.nextDue(upTo)) {
    fired.push(`${due.schedule.name}@${new Date(due.fireAt).toISOString()}`);
    await scheduler.fire(due);
  }
  return fired;
}

describe('the Scheduler API', () => {
  it('is reached by the SDK under the base path of its endpoint', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: 'plans', ClientToken: 'g1' }));
    await create('plan-1', { GroupName: 'plans', ClientToken: 'c1' });
    await get('plan-1', 'plans');
    await client.send(
      new DeleteScheduleCommand({ Name: 'plan-1', GroupName: 'plans', ClientToken: 'd1' }),
    );
    await client.send(new ListSchedulesCommand({ GroupName: 'plans', MaxResults: 5 }));
    expect(requests).toEqual([
      'POST /_aws/scheduler/schedule-groups/plans',
      'POST /_aws/scheduler/schedules/plan-1',
      'GET /_aws/scheduler/schedules/plan-1?groupName=plans',
      'DELETE /_aws/scheduler/schedules/plan-1?clientToken=d1&groupName=plans',
      'GET /_aws/scheduler/schedules?MaxResults=5&ScheduleGroup=plans',
    ]);
  });

  it('creates a schedule and reads it back as sent, with its ARN and dates from the local clock', async () => {
    const created = await create('plan-1', {
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Description: 'plan p1',
      Target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input: '{"planId":"p1"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: DLQ },
      },
      KmsKeyArn: KEY,
      ActionAfterCompletion: 'DELETE',
    });
    expect(created.ScheduleArn).toBe(arnOf('plan-1'));
    expect(await get('plan-1')).toEqual({
      Arn: arnOf('plan-1'),
      GroupName: 'default',
      Name: 'plan-1',
      ScheduleExpression: 'at(2026-12-07T08:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Description: 'plan p1',
      State: 'ENABLED',
      CreationDate: new Date('2026-12-07T07:00:00Z'),
      LastModificationDate: new Date('2026-12-07T07:00:00Z'),
      KmsKeyArn: KEY,
      Target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input: '{"planId":"p1"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: DLQ },
      },
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
    });
  });

  it('replaces the whole definition on update: a field left out takes its default', async () => {
    await create('plan-1', {
      ScheduleExpression: 'rate(1 day)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      StartDate: new Date('2026-12-08T08:00:00Z'),
      EndDate: new Date('2027-12-08T08:00:00Z'),
      Description: 'plan p1',
      State: 'DISABLED',
      KmsKeyArn: KEY,
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input: '{"planId":"p1"}',
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
    now = at('2026-12-07T07:30:00Z');
    const updated = await client.send(
      new UpdateScheduleCommand({
        Name: 'plan-1',
        ScheduleExpression: 'at(2026-12-09T08:00:00)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: STATE_MACHINE, RoleArn: ROLE },
      }),
    );
    expect(updated.ScheduleArn).toBe(arnOf('plan-1'));
    expect(await get('plan-1')).toEqual({
      Arn: arnOf('plan-1'),
      GroupName: 'default',
      Name: 'plan-1',
      ScheduleExpression: 'at(2026-12-09T08:00:00)',
      State: 'ENABLED',
      CreationDate: new Date('2026-12-07T07:00:00Z'),
      LastModificationDate: new Date('2026-12-07T07:30:00Z'),
      Target: { Arn: STATE_MACHINE, RoleArn: ROLE },
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
    });
    expect(viewOf('plan-1')).toEqual({
      name: 'plan-1',
      group: 'default',
      arn: arnOf('plan-1'),
      expression: 'at(2026-12-09T08:00:00)',
      timezone: 'UTC',
      state: 'ENABLED',
      nextFireAt: '2026-12-09T08:00:00.000Z',
      startDate: null,
      endDate: null,
      description: null,
      target: { Arn: STATE_MACHINE, RoleArn: ROLE },
      flexibleTimeWindow: { Mode: 'OFF' },
      actionAfterCompletion: 'NONE',
      kmsKeyArn: null,
      retryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      deadLetterConfig: null,
    });
  });

  it('answers ConflictException for a name that exists and ResourceNotFoundException for what does not', async () => {
    await create('plan-1');
    const exists = await rejection(create('plan-1'));
    expect(exists).toBeInstanceOf(ConflictException);
    expect(exists).toMatchObject({
      message: 'Schedule plan-1 already exists.',
      $metadata: { httpStatusCode: 409 },
    });

    for (const [call, message] of [
      [() => get('nope'), 'Schedule nope does not exist.'],
      [
        () => client.send(new UpdateScheduleCommand(schedule('nope'))),
        'Schedule nope does not exist.',
      ],
      [
        () => client.send(new DeleteScheduleCommand({ Name: 'nope' })),
        'Schedule nope does not exist.',
      ],
      [() => get('plan-1', 'missing'), 'Schedule group missing does not exist.'],
      [() => create('plan-2', { GroupName: 'missing' }), 'Schedule group missing does not exist.'],
      [
        () => client.send(new ListSchedulesCommand({ GroupName: 'missing' })),
        'Schedule group missing does not exist.',
      ],
    ] as const) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 404 } });
    }
  });

  it('answers a create retried with its client token as the first time, and a different one with a conflict', async () => {
    const first = await create('plan-1', { ClientToken: 'token-1' });
    const retried = await create('plan-1', { ClientToken: 'token-1' });
    expect(retried.ScheduleArn).toBe(first.ScheduleArn);
    const different = await rejection(
      create('plan-1', { ClientToken: 'token-1', Description: 'another' }),
    );
    expect(different).toBeInstanceOf(ConflictException);
  });

  it('refuses a malformed request with ValidationException', async () => {
    const target = { Arn: STATE_MACHINE, RoleArn: ROLE };
    const cases: [Partial<CreateScheduleCommandInput>, string][] = [
      [
        { Name: 'a'.repeat(65) },
        `1 validation error detected: Value '${'a'.repeat(65)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64`,
      ],
      [
        { Name: 'plan 1' },
        "1 validation error detected: Value 'plan 1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$",
      ],
      [
        { Target: undefined },
        "1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null",
      ],
      [
        { FlexibleTimeWindow: undefined },
        "1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null",
      ],
      [
        { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } },
        'MaximumWindowInMinutes is required when Mode is FLEXIBLE.',
      ],
      [
        { FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } },
        "1 validation error detected: Value '1441' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value less than or equal to 1440",
      ],
      [
        { Target: { ...target, RoleArn: 'scheduler-role' } },
        "1 validation error detected: Value 'scheduler-role' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@/-]+$",
      ],
      [
        { Target: { ...target, RetryPolicy: { MaximumRetryAttempts: 186 } } },
        "1 validation error detected: Value '186' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185",
      ],
      [
        { Target: { ...target, Input: '' } },
        "1 validation error detected: Value '' at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ],
      [
        { State: 'PAUSED' as 'ENABLED' },
        "1 validation error detected: Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
      ],
      [{ ScheduleExpressionTimezone: 'Europe/Berln' }, 'Invalid timezone Europe/Berln.'],
      [{ ScheduleExpressionTimezone: '+01:00' }, 'Invalid timezone +01:00.'],
      [
        {
          ScheduleExpression: 'rate(1 hour)',
          StartDate: new Date('2026-12-08T00:00:00Z'),
          EndDate: new Date('2026-12-08T00:00:00Z'),
        },
        'The EndDate you specify must be later than the StartDate.',
      ],
    ];
    const expressions = [
      'at(2026-02-30T08:00:00)',
      'at(2026-12-07T24:00:00)',
      'at(2026-12-07T08:00)',
      'at(2026-12-07T08:00:00Z)',
      'rate(0 minutes)',
      'rate(5 weeks)',
      'rate(1.5 hours)',
      'rate(5minutes)',
      'cron(0 8 * * *)',
      'cron(0 8 * * * *)',
      'cron(0 8 ? * ? *)',
      'cron(60 8 ? * MON *)',
      'cron(0 8 ? * MON#6 *)',
      'every(1 day)',
    ];
    for (const expression of expressions) {
      cases.push([
        { ScheduleExpression: expression },
        `Invalid Schedule Expression ${expression}.`,
      ]);
    }
    for (const [overrides, message] of cases) {
      const error = await rejection(create('plan-1', overrides));
      expect(error, JSON.stringify(overrides)).toBeInstanceOf(ValidationException);
      expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
    }
    expect(scheduler.list()).toEqual([]);
  });

  it('accepts the documented expression forms', async () => {
    const expressions = [
      'at(2026-12-31T23:59:59)',
      'rate(1 minute)',
      'rate(5 minutes)',
      'rate(1 hour)',
      'rate(12 hours)',
      'rate(1 day)',
      'rate(7 days)',
      'cron(0 8 ? * MON *)',
      'cron(0/15 8-17 ? * MON-FRI *)',
      'cron(15 10 ? * 6L 2026-2030)',
      'cron(0 9 ? * 3#2 *)',
      'cron(0 9 L * ? *)',
      'cron(0 9 15W * ? *)',
      'cron(0 9 1,15 JAN,JUL ? *)',
    ];
    for (const [index, expression] of expressions.entries()) {
      await create(`plan-${String(index).padStart(2, '0')}`, { ScheduleExpression: expression });
    }
    expect(scheduler.list().map((view) => view.expression)).toEqual(expressions);
  });

  it('deletes a schedule, then no longer knows it', async () => {
    await create('plan-1');
    await client.send(new DeleteScheduleCommand({ Name: 'plan-1' }));
    expect(await rejection(get('plan-1'))).toBeInstanceOf(ResourceNotFoundException);
    expect(scheduler.list()).toEqual([]);
  });

  it('lists schedules by name prefix, group and state, page by page', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: 'plans' }));
    for (const name of ['plan-5', 'plan-3', 'plan-1', 'plan-4', 'plan-2']) {
      await create(name, {
        GroupName: 'plans',
        State: name === 'plan-2' || name === 'plan-4' ? 'DISABLED' : 'ENABLED',
      });
    }
    await create('other', { GroupName: 'plans' });
    await create('plan-9');

    const pages: string[][] = [];
    for await (const page of paginateListSchedules(
      { client, pageSize: 2 },
      { GroupName: 'plans', NamePrefix: 'plan-' },
    )) {
      pages.push((page.Schedules ?? []).map((summary) => summary.Name ?? ''));
    }
    expect(pages).toEqual([['plan-1', 'plan-2'], ['plan-3', 'plan-4'], ['plan-5']]);

    const disabled = await client.send(new ListSchedulesCommand({ State: 'DISABLED' }));
    expect(disabled.Schedules).toEqual([
      {
        Arn: arnOf('plan-2', 'plans'),
        Name: 'plan-2',
        GroupName: 'plans',
        State: 'DISABLED',
        CreationDate: new Date('2026-12-07T07:00:00Z'),
        LastModificationDate: new Date('2026-12-07T07:00:00Z'),
        Target: { Arn: STATE_MACHINE },
      },
      {
        Arn: arnOf('plan-4', 'plans'),
        Name: 'plan-4',
        GroupName: 'plans',
        State: 'DISABLED',
        CreationDate: new Date('2026-12-07T07:00:00Z'),
        LastModificationDate: new Date('2026-12-07T07:00:00Z'),
        Target: { Arn: STATE_MACHINE },
      },
    ]);
    expect(disabled.NextToken).toBeUndefined();

    const everywhere = await client.send(new ListSchedulesCommand({ NamePrefix: 'plan-9' }));
    expect(everywhere.Schedules?.map((summary) => summary.Arn)).toEqual([arnOf('plan-9')]);
  });

  it('manages schedule groups, with a default group that cannot be deleted', async () => {
    const created = await client.send(
      new CreateScheduleGroupCommand({ Name: 'plans', Tags: [{ Key: 'app', Value: 'spb' }] }),
    );
    const groupArn = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/plans`;
    expect(created.ScheduleGroupArn).toBe(groupArn);
    const { $metadata: _, ...group } = await client.send(
      new GetScheduleGroupCommand({ Name: 'plans' }),
    );
    expect(group).toEqual({
      Arn: groupArn,
      Name: 'plans',
      State: 'ACTIVE',
      CreationDate: new Date('2026-12-07T07:00:00Z'),
      LastModificationDate: new Date('2026-12-07T07:00:00Z'),
    });
    const listed = await client.send(new ListScheduleGroupsCommand({}));
    expect(listed.ScheduleGroups?.map((summary) => summary.Name)).toEqual(['default', 'plans']);
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceArn: groupArn }));
    expect(tags.Tags).toEqual([{ Key: 'app', Value: 'spb' }]);

    expect(
      await rejection(client.send(new CreateScheduleGroupCommand({ Name: 'plans' }))),
    ).toBeInstanceOf(ConflictException);
    const deleteDefault = await rejection(
      client.send(new DeleteScheduleGroupCommand({ Name: 'default' })),
    );
    expect(deleteDefault).toBeInstanceOf(ValidationException);

    await create('plan-1', { GroupName: 'plans' });
    await client.send(new DeleteScheduleGroupCommand({ Name: 'plans' }));
    expect(
      await rejection(client.send(new GetScheduleGroupCommand({ Name: 'plans' }))),
    ).toBeInstanceOf(ResourceNotFoundException);
    expect(scheduler.list()).toEqual([]);
  });

  it('answers an operation it does not have with UnknownOperationException', async () => {
    const response = await fetch(`${endpoint}/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toEqual({
      Message: 'The local scheduler has no operation for GET /_aws/scheduler/nothing-here.',
    });
  });
});

describe('firing', () => {
  it('places at() in its time zone, moving a time in the skipped spring hour forward', async () => {
    await create('berlin-winter', {
      ScheduleExpression: 'at(2026-12-07T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    await create('berlin-spring-gap', {
      ScheduleExpression: 'at(2026-03-29T02:30:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    await create('berlin-autumn-repeat', {
      ScheduleExpression: 'at(2026-10-25T02:30:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    await create('utc', { ScheduleExpression: 'at(2026-12-07T09:00:00)' });
    expect(
      Object.fromEntries(scheduler.list().map((view) => [view.name, view.nextFireAt])),
    ).toEqual({
      'berlin-winter': '2026-12-07T08:00:00.000Z',
      // 02:30 does not exist that night (clocks go 02:00 -> 03:00): 03:30 CEST.
      'berlin-spring-gap': '2026-03-29T01:30:00.000Z',
      // 02:30 happens twice (03:00 CEST -> 02:00 CET): the first, in CEST.
      'berlin-autumn-repeat': '2026-10-25T00:30:00.000Z',
      utc: '2026-12-07T09:00:00.000Z',
    });
  });

  it('answers the earliest due firing, ties broken by name, and nothing before its time', async () => {
    await create('b', { ScheduleExpression: 'at(2026-12-07T08:00:00)' });
    await create('a', { ScheduleExpression: 'at(2026-12-07T08:00:00)' });
    await create('c', { ScheduleExpression: 'at(2026-12-07T07:30:00)' });
    await create('d', { ScheduleExpression: 'at(2026-12-07T09:00:00)' });
    await create('e', { ScheduleExpression: 'at(2026-12-07T07:00:00)', State: 'DISABLED' });
    expect(scheduler.nextDue(at('2026-12-07T07:29:59Z'))).toBeNull();
    const due = scheduler.nextDue(at('2026-12-07T08:00:00Z'));
    expect(due).toEqual({ schedule: viewOf('c'), fireAt: at('2026-12-07T07:30:00Z') });
    expect(await fireAll(at('2026-12-07T08:00:00Z'))).toEqual([
      'c@2026-12-07T07:30:00.000Z',
      'a@2026-12-07T08:00:00.000Z',
      'b@2026-12-07T08:00:00.000Z',
    ]);
    expect(viewOf('a').nextFireAt).toBeNull();
    expect(viewOf('d').nextFireAt).toBe('2026-12-07T09:00:00.000Z');
  });

  it('delivers the target input with the context attributes substituted', async () => {
    await create('plan-1', {
      Target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input:
          '{"planId":"p1","slot":"<aws.scheduler.scheduled-time>","execution":"<aws.scheduler.execution-id>","schedule":"<aws.scheduler.schedule-arn>","attempt":<aws.scheduler.attempt-number>}',
      },
    });
    now = at('2026-12-07T08:00:20Z');
    const due = scheduler.nextDue(now);
    if (due === null) throw new Error('plan-1 is due');
    await scheduler.fire(due);

    expect(deliveries).toHaveLength(1);
    const [{ input, ...delivery }] = deliveries as [Delivery];
    expect(delivery).toEqual({
      schedule: {
        ...due.schedule,
        nextFireAt: null,
      },
      target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input:
          '{"planId":"p1","slot":"<aws.scheduler.scheduled-time>","execution":"<aws.scheduler.execution-id>","schedule":"<aws.scheduler.schedule-arn>","attempt":<aws.scheduler.attempt-number>}',
      },
      scheduledTime: '2026-12-07T08:00:00Z',
      attempt: 1,
    });
    expect(JSON.parse(input)).toEqual({
      planId: 'p1',
      slot: '2026-12-07T08:00:00Z',
      execution: expect.stringMatching(UUID),
      schedule: arnOf('plan-1'),
      attempt: 1,
    });
  });

  it('refuses to fire a firing that is no longer due', async () => {
    await create('plan-1');
    const due = scheduler.nextDue(at('2026-12-07T08:00:00Z'));
    if (due === null) throw new Error('plan-1 is due');
    await scheduler.fire(due);
    await expect(scheduler.fire(due)).rejects.toBeInstanceOf(StaleFiringError);
    expect(deliveries).toHaveLength(1);
  });

  it('delivers duplicate copies concurrently, each with an execution id of its own', async () => {
    await create('plan-1', {
      Target: { Arn: STATE_MACHINE, RoleArn: ROLE, Input: '"<aws.scheduler.execution-id>"' },
    });
    let bothArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    deliver = async (delivery) => {
      deliveries.push(delivery);
      if (deliveries.length === 2) bothArrived();
      // A sequential implementation would wait here forever for the second copy.
      await arrived;
    };
    const due = scheduler.nextDue(at('2026-12-07T08:00:00Z'));
    if (due === null) throw new Error('plan-1 is due');
    await scheduler.fire(due, 2);

    expect(deliveries.map(({ attempt, scheduledTime }) => ({ attempt, scheduledTime }))).toEqual([
      { attempt: 1, scheduledTime: '2026-12-07T08:00:00Z' },
      { attempt: 1, scheduledTime: '2026-12-07T08:00:00Z' },
    ]);
    const [first, second] = deliveries.map((delivery) => JSON.parse(delivery.input) as string);
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });

  it('retries a failing delivery as its RetryPolicy allows, then records a dead letter', async () => {
    await create('plan-1', {
      Target: {
        Arn: STATE_MACHINE,
        RoleArn: ROLE,
        Input: '{"attempt":<aws.scheduler.attempt-number>}',
        RetryPolicy: { MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: DLQ },
      },
    });
    deliver = async (delivery) => {
      deliveries.push(delivery);
      throw new Error(`exchange down (attempt ${delivery.attempt})`);
    };
    const due = scheduler.nextDue(at('2026-12-07T08:00:00Z'));
    if (due === null) throw new Error('plan-1 is due');
    await scheduler.fire(due);

    expect(deliveries.map((delivery) => [delivery.attempt, delivery.input])).toEqual([
      [1, '{"attempt":1}'],
      [2, '{"attempt":2}'],
      [3, '{"attempt":3}'],
    ]);
    expect(scheduler.deadLetters()).toEqual([
      {
        scheduleName: 'plan-1',
        groupName: 'default',
        scheduleArn: arnOf('plan-1'),
        scheduledTime: '2026-12-07T08:00:00Z',
        input: '{"attempt":3}',
        error: 'exchange down (attempt 3)',
        attempts: 3,
        deadLetterArn: DLQ,
      },
    ]);
  });

  it('retries 185 times by default and stops retrying once a delivery succeeds', async () => {
    await create('always-fails');
    await create('fails-once', { ScheduleExpression: 'at(2026-12-07T08:01:00)' });
    deliver = async (delivery) => {
      deliveries.push(delivery);
      if (delivery.schedule.name === 'always-fails' || delivery.attempt === 1) {
        throw new Error('throttled');
      }
    };
    await fireAll(at('2026-12-07T08:01:00Z'));

    const attempts = (name: string) =>
      deliveries.filter((delivery) => delivery.schedule.name === name).length;
    expect(attempts('always-fails')).toBe(186);
    expect(attempts('fails-once')).toBe(2);
    expect(scheduler.deadLetters()).toEqual([
      {
        scheduleName: 'always-fails',
        groupName: 'default',
        scheduleArn: arnOf('always-fails'),
        scheduledTime: '2026-12-07T08:00:00Z',
        input: '{"planId":"p1"}',
        error: 'throttled',
        attempts: 186,
        deadLetterArn: null,
      },
    ]);
  });

  it('deletes a one-time schedule once it fires when ActionAfterCompletion is DELETE, and keeps it with NONE', async () => {
    await create('delete-me', { ActionAfterCompletion: 'DELETE' });
    await create('keep-me');
    await fireAll(at('2026-12-07T08:00:00Z'));

    expect(deliveries.map((delivery) => delivery.schedule.name)).toEqual(['delete-me', 'keep-me']);
    expect(await rejection(get('delete-me'))).toBeInstanceOf(ResourceNotFoundException);
    expect((await get('keep-me')).State).toBe('ENABLED');
    expect(viewOf('keep-me').nextFireAt).toBeNull();
    expect(scheduler.nextDue(at('2027-01-01T00:00:00Z'))).toBeNull();
  });

  it('fires a rate() schedule at its StartDate, or at once without one, then every interval until its EndDate', async () => {
    await create('hourly', {
      ScheduleExpression: 'rate(1 hour)',
      StartDate: new Date('2026-12-07T08:00:00Z'),
      EndDate: new Date('2026-12-07T10:30:00Z'),
      ActionAfterCompletion: 'DELETE',
    });
    await create('every-90-minutes', { ScheduleExpression: 'rate(90 minutes)' });
    const fired: string[] = [];
    for (const time of ['07:00', '08:00', '08:30', '09:00', '10:00', '11:00']) {
      now = at(`2026-12-07T${time}:00Z`);
      fired.push(...(await fireAll(now)));
    }
    expect(fired).toEqual([
      'every-90-minutes@2026-12-07T07:00:00.000Z',
      'hourly@2026-12-07T08:00:00.000Z',
      'every-90-minutes@2026-12-07T08:30:00.000Z',
      'hourly@2026-12-07T09:00:00.000Z',
      // Both due at 10:00: the tie goes to the name that sorts first.
      'every-90-minutes@2026-12-07T10:00:00.000Z',
      'hourly@2026-12-07T10:00:00.000Z',
    ]);
    // Its last firing before EndDate completed it, and ActionAfterCompletion deleted it.
    expect(scheduler.list().map((view) => view.name)).toEqual(['every-90-minutes']);
  });

  it('fires a rate() schedule at every interval the clock jumped over, in time order with an at() schedule', async () => {
    await create('hourly', {
      ScheduleExpression: 'rate(1 hour)',
      StartDate: new Date('2026-12-07T08:00:00Z'),
    });
    await create('once', { ScheduleExpression: 'at(2026-12-07T08:15:00)' });
    now = at('2026-12-07T11:30:00Z');
    expect(viewOf('hourly').nextFireAt).toBe('2026-12-07T08:00:00.000Z');
    expect(await fireAll(now)).toEqual([
      'hourly@2026-12-07T08:00:00.000Z',
      'once@2026-12-07T08:15:00.000Z',
      'hourly@2026-12-07T09:00:00.000Z',
      'hourly@2026-12-07T10:00:00.000Z',
      'hourly@2026-12-07T11:00:00.000Z',
    ]);
    expect(viewOf('hourly').nextFireAt).toBe('2026-12-07T12:00:00.000Z');
    expect(await fireAll(at('2026-12-07T12:00:00Z'))).toEqual(['hourly@2026-12-07T12:00:00.000Z']);
  });

  it('records the intervals of the named rate() schedules before an instant without delivering them, stopping at their EndDate', async () => {
    await create('every-5', {
      ScheduleExpression: 'rate(5 minutes)',
      StartDate: new Date('2026-12-07T08:00:00Z'),
    });
    await create('ends', {
      ScheduleExpression: 'rate(1 hour)',
      StartDate: new Date('2026-12-07T08:00:00Z'),
      EndDate: new Date('2026-12-07T10:30:00Z'),
    });
    await create('once', { ScheduleExpression: 'at(2026-12-07T08:15:00)' });

    // Before 09:00: 08:00 to 08:55 of the first (12) and 08:00 of the second; never `once`.
    expect(
      scheduler.elideBefore(new Set(['every-5', 'ends', 'once']), at('2026-12-07T09:00:00Z')),
    ).toBe(12 + 1);
    // Then 09:00 and 10:00 of the second, which ends at 10:30.
    expect(scheduler.elideBefore(new Set(['ends']), at('2026-12-07T23:00:00Z'))).toBe(2);
    expect(viewOf('ends').nextFireAt).toBeNull();
    expect(deliveries).toEqual([]);
    expect(viewOf('every-5').nextFireAt).toBe('2026-12-07T09:00:00.000Z');
    expect(viewOf('once').nextFireAt).toBe('2026-12-07T08:15:00.000Z');
    now = at('2026-12-07T23:00:00Z');
    expect(scheduler.nextDue(now, new Set(['every-5']))?.schedule.name).toBe('once');
  });

  it('does not fire a disabled schedule, and resumes a re-enabled rate() schedule from now without catching up', async () => {
    const hourly = {
      ScheduleExpression: 'rate(1 hour)',
      StartDate: new Date('2026-12-07T08:00:00Z'),
    };
    await create('hourly', { ...hourly, State: 'DISABLED' });
    now = at('2026-12-07T10:30:00Z');
    expect(scheduler.nextDue(now)).toBeNull();
    expect(viewOf('hourly').nextFireAt).toBeNull();
    await client.send(new UpdateScheduleCommand(schedule('hourly', hourly)));
    expect(viewOf('hourly').nextFireAt).toBe('2026-12-07T11:00:00.000Z');
    expect(scheduler.nextDue(now)).toBeNull();
  });

  it('accepts cron() schedules but refuses to compute their firings locally', async () => {
    await create('weekly', {
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    expect(viewOf('weekly').nextFireAt).toBeNull();
    expect(() => scheduler.nextDue(now)).toThrow(CronNotSupportedError);
    expect(() => scheduler.nextDue(now)).toThrow(
      `${arnOf('weekly')} uses cron(0 9 ? * MON *): cron() schedules are accepted but not fired by the local scheduler; use at() or rate().`,
    );
    await client.send(
      new UpdateScheduleCommand(
        schedule('weekly', { ScheduleExpression: 'cron(0 9 ? * MON *)', State: 'DISABLED' }),
      ),
    );
    expect(scheduler.nextDue(now)).toBeNull();
  });
});
