/**
 * Adding a queue or a function is adding an entry: with a queue pair and a function added to the
 * shared declarations (`shared/topology.ts`, `shared/functions.ts`, mocked here), the monitoring
 * components create their alarms, and route them, with no other change.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ComponentRun } from './component-harness.ts';
import { ACCOUNT, REGION, runComponent } from './component-harness.ts';
import { CRITICAL_ALARMS, compositeRules, warningAlarms } from './monitoring.ts';
import { policy } from './program.ts';
import type * as Functions from '#shared/functions.ts';
import type * as Topology from '#shared/topology.ts';

vi.mock('#shared/functions.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof Functions>();
  return {
    ...actual,
    functionSpecs: {
      ...actual.functionSpecs,
      refunder: {
        description: 'Refunds what an order could not spend',
        memoryMb: 256,
        timeoutSeconds: 20,
        reservedConcurrency: 2,
        environment: [],
      },
    },
  };
});

vi.mock('#shared/topology.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof Topology>();
  return {
    ...actual,
    topology: (names: Parameters<typeof actual.topology>[0]) => {
      const base = actual.topology(names);
      return {
        ...base,
        queues: {
          ...base.queues,
          refunds: {
            name: `${names.prefix}-refunds`,
            kind: 'work',
            messageRetentionSeconds: 345_600,
            visibility: { consumer: 'refunder', consumerTimeouts: 6 },
            deadLetter: { queue: 'refunds-dlq', maxReceiveCount: 5 },
            senders: [],
          },
          'refunds-dlq': {
            name: `${names.prefix}-refunds-dlq`,
            kind: 'dead-letter',
            messageRetentionSeconds: 1_209_600,
            senders: [],
          },
        },
      };
    },
  };
});

const P = 'savings-plan-buy-test';
const CRITICAL = `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-critical`;
const WARNING = `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-warning`;
let run: ComponentRun<unknown>;

beforeAll(async () => {
  run = await runComponent(async () => {
    const { alarmCatalog, auditTamperingRuleName } = await import('#shared/monitoring/alarms.ts');
    const { parseMonitoringSettings } = await import('#shared/monitoring/settings.ts');
    const { topology } = await import('#shared/topology.ts');
    const monitoring = await import('../../../infra/components/monitoring/index.ts');
    const place = { prefix: P, accountId: ACCOUNT, region: REGION };
    const catalog = alarmCatalog(topology({ ...place }), parseMonitoringSettings(undefined), {
      paper: true,
      sms: null,
    });
    const topics = new monitoring.AlertTopics('alerts', {
      ...place,
      kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`,
      alerts: { emails: [], pagerUrl: null },
      alarmNames: monitoring.alarmNamesBySeverity(catalog),
      auditTamperingRuleArn: monitoring.auditTamperingRuleArn(place, auditTamperingRuleName(P)),
      logRetentionDays: 14,
      tags: {},
    });
    return new monitoring.Alarms('alarms', {
      catalog,
      runbookUrl: 'docs/runbook.md',
      topicArns: topics.arns,
      resourceValues: { graphqlApiId: 'api123' },
      tags: {},
    });
  });
});

const NEW_CRITICAL = ['queue-refunds-dlq-dead-letters'];
const NEW_WARNING = [
  'queue-refunds-oldest-message-age',
  'lambda-refunder-errors',
  'lambda-refunder-throttles',
  'lambda-refunder-duration',
];

describe('a queue and a function added to the shared declarations', () => {
  it('get their alarms, and every alarm already there stays as it was', () => {
    expect(
      run
        .all('aws:cloudwatch/metricAlarm:MetricAlarm')
        .map((alarm) => alarm.inputs.name)
        .sort(),
    ).toEqual(
      [...CRITICAL_ALARMS, ...warningAlarms(true), ...NEW_CRITICAL, ...NEW_WARNING]
        .map((key) => `${P}-${key}`)
        .sort(),
    );
    expect(
      Object.fromEntries(
        run
          .all('aws:cloudwatch/compositeAlarm:CompositeAlarm')
          .map((alarm) => [alarm.inputs.alarmName, alarm.inputs.alarmRule]),
      ),
    ).toEqual(
      Object.fromEntries(
        Object.entries(compositeRules(P)).map(([name, composite]) => [name, composite.rule]),
      ),
    );
  });

  it("alarm on the queue's dead letters (critical) and its age past the consumer's retries", () => {
    expect(
      run.one('aws:cloudwatch/metricAlarm:MetricAlarm', 'alarms-queue-refunds-dlq-dead-letters')
        .inputs,
    ).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `${P}-refunds-dlq` },
      statistic: 'Maximum',
      threshold: 0,
      alarmActions: [CRITICAL],
      okActions: [CRITICAL],
    });
    // Budget: 6 x 20 s visibility x 5 receives = 600 s; alarm at 1.5 x the budget.
    expect(
      run.one('aws:cloudwatch/metricAlarm:MetricAlarm', 'alarms-queue-refunds-oldest-message-age')
        .inputs,
    ).toMatchObject({
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: `${P}-refunds` },
      threshold: 900,
      alarmActions: [WARNING],
      okActions: [WARNING],
    });
  });

  it("alarm on the function's errors, throttles and a p90 close to its timeout", () => {
    const inputs = (key: string) =>
      run.one('aws:cloudwatch/metricAlarm:MetricAlarm', `alarms-lambda-refunder-${key}`).inputs;
    expect(inputs('errors')).toMatchObject({
      metricName: 'Errors',
      dimensions: { FunctionName: `${P}-refunder` },
      alarmActions: [WARNING],
    });
    expect(inputs('throttles')).toMatchObject({ metricName: 'Throttles', alarmActions: [WARNING] });
    expect(inputs('duration')).toMatchObject({
      metricName: 'Duration',
      extendedStatistic: 'p90',
      threshold: 16_000,
    });
  });

  it('let the new alarms publish to the topic of their severity', () => {
    const sources = (severity: string) =>
      policy(run.one('aws:sns/topic:Topic', `alerts-${severity}`).inputs.policy).Statement.flatMap(
        (statement) =>
          statement.Sid === 'TheStacksAlarmsPublish'
            ? ((statement.Condition as { ArnEquals: { 'aws:SourceArn': string[] } }).ArnEquals[
                'aws:SourceArn'
              ] as string[])
            : [],
      );
    const arn = (key: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${P}-${key}`;
    expect(sources('critical')).toEqual(expect.arrayContaining(NEW_CRITICAL.map(arn)));
    expect(sources('warning')).toEqual(expect.arrayContaining(NEW_WARNING.map(arn)));
    expect(sources('critical').length + sources('warning').length).toBe(
      CRITICAL_ALARMS.length +
        warningAlarms(true).length +
        4 +
        NEW_CRITICAL.length +
        NEW_WARNING.length,
    );
  });
});
