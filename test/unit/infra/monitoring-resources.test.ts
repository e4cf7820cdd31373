/**
 * The monitoring resources of the dev stack in detail (Pulumi mocks): alarms as CloudWatch gets
 * them (a plain metric, a percentile, metric math, a resolved API id), the log metric filters, the
 * audit-tampering rule, the topics' delivery logging, and the dashboards' bodies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmCatalog } from '#shared/monitoring/alarms.ts';
import { dashboardCatalog } from '#shared/monitoring/dashboards.ts';
import { metricKey, seriesMetrics } from '#shared/monitoring/metrics.ts';
import { parseMonitoringSettings } from '#shared/monitoring/settings.ts';
import { topology } from '#shared/topology.ts';
import type { DashboardBody } from '../../../infra/components/monitoring/dashboard-body.ts';
import { ALERTS, RUNBOOK_URL } from './monitoring.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

const P = 'savings-plan-buy-dev';
const CRITICAL = `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-critical`;
const WARNING = `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-warning`;
const TAGS = {
  environment: 'dev',
  owner: 'platform',
  'data-classification': 'confidential',
  project: 'savings-plan-buy',
  stack: 'dev',
};
let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram('dev', { monitoring: { alerts: ALERTS, runbookUrl: RUNBOOK_URL } });
});

const alarm = (key: string) => run.one('aws:cloudwatch/metricAlarm:MetricAlarm', `alarms-${key}`);

describe('a metric alarm', () => {
  it('reads one metric with its statistic, M of N, and notifies its topic on ALARM and OK', () => {
    expect(alarm('lambda-decide-errors').inputs).toEqual({
      name: `${P}-lambda-decide-errors`,
      alarmDescription: `${P}-decide fails: Purchase workflow: decides whether a fired slot buys. Runbook: ${RUNBOOK_URL}#lambda-errors`,
      actionsEnabled: true,
      alarmActions: [CRITICAL],
      okActions: [CRITICAL],
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: 'notBreaching',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: `${P}-decide` },
      period: 60,
      statistic: 'Sum',
      tags: TAGS,
    });
  });

  it('reads a percentile as an extended statistic, on the API the program created', () => {
    expect(alarm('api-latency-p99').inputs).toMatchObject({
      namespace: 'AWS/AppSync',
      metricName: 'Latency',
      dimensions: { GraphQLAPIId: 'api123' },
      period: 300,
      extendedStatistic: 'p99',
      threshold: 2000,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      alarmActions: [WARNING],
      okActions: [WARNING],
    });
    expect(alarm('api-latency-p99').inputs.statistic).toBeUndefined();
  });

  it('computes a share of sums with metric math, with no data point when nothing was final', () => {
    const inputs = alarm('business-failed-slot-share').inputs;
    expect(inputs.metricQueries).toEqual([
      {
        id: 'share',
        expression: 'IF(SUM([d0]) > 0, 100 * SUM([n0]) / SUM([d0]))',
        label: 'Slots FAILED (%)',
        returnData: true,
      },
      {
        id: 'n0',
        metric: {
          namespace: 'SavingsPlanBuy',
          metricName: 'SlotsFailed',
          dimensions: { service: `${P}-slot-outcomes` },
          period: 900,
          stat: 'Sum',
        },
        returnData: false,
      },
      {
        id: 'd0',
        metric: {
          namespace: 'SavingsPlanBuy',
          metricName: 'SlotsFinal',
          dimensions: { service: `${P}-slot-outcomes` },
          period: 900,
          stat: 'Sum',
        },
        returnData: false,
      },
    ]);
    expect([inputs.namespace, inputs.metricName, inputs.period]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('watches the audit-tampering rule by name', () => {
    expect(alarm('audit-bucket-tampering').inputs).toMatchObject({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensions: { RuleName: `${P}-audit-tampering` },
      statistic: 'Sum',
      alarmActions: [CRITICAL],
    });
  });
});

describe('the composite alarms', () => {
  it('wait for the alarms they name', () => {
    const atRisk = run.one(
      'aws:cloudwatch/compositeAlarm:CompositeAlarm',
      'alarms-purchases-at-risk',
    );
    expect(atRisk.inputs).toMatchObject({
      alarmName: `${P}-purchases-at-risk`,
      alarmActions: [CRITICAL],
      okActions: [CRITICAL],
      tags: TAGS,
    });
  });
});

describe('the log metric filters', () => {
  it('count workflow executions that ended in EventNotPublished, and GraphQL errors in HTTP 200 answers', () => {
    const filters = run
      .all('aws:cloudwatch/logMetricFilter:LogMetricFilter')
      .map((filter) => filter.inputs)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(filters).toEqual([
      {
        name: 'EventsNotPublished',
        logGroupName: `/aws/vendedlogs/states/${P}-purchase`,
        pattern: '{ ($.type = "ExecutionFailed") && ($.details.error = "EventNotPublished") }',
        metricTransformation: {
          name: 'EventsNotPublished',
          namespace: 'SavingsPlanBuy',
          value: '1',
          unit: 'Count',
        },
      },
      {
        name: 'GraphqlErrors',
        logGroupName: '/aws/appsync/apis/api123',
        pattern: '{ $.fieldInError IS TRUE }',
        metricTransformation: {
          name: 'GraphqlErrors',
          namespace: 'SavingsPlanBuy',
          value: '1',
          unit: 'Count',
        },
      },
    ]);
  });
});

describe('the audit-tampering rule', () => {
  const buckets = ['audit', 'trail', 's3-logs'].map((kind) => `${P}-${kind}-${ACCOUNT}-${REGION}`);
  const writes = {
    eventName: ['CompleteMultipartUpload', 'CopyObject', 'PutObject'],
    requestParameters: { bucketName: [`${P}-audit-${ACCOUNT}-${REGION}`] },
  };

  it('matches deletions, retention and bucket changes on every audit bucket, and writes by anyone but the writers', () => {
    const rule = run.one('aws:cloudwatch/eventRule:EventRule', 'audit-tampering-rule');
    expect({
      ...rule.inputs,
      eventPattern: JSON.parse(rule.inputs.eventPattern as string),
    }).toEqual({
      name: `${P}-audit-tampering`,
      description: 'Attempts to delete, overwrite or loosen the audit buckets: pages at once',
      eventPattern: {
        source: ['aws.s3'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['s3.amazonaws.com'],
          $or: [
            {
              eventName: [
                'DeleteBucket',
                'DeleteBucketLifecycle',
                'DeleteBucketPolicy',
                'DeleteObject',
                'DeleteObjects',
                'PutBucketLifecycle',
                'PutBucketLifecycleConfiguration',
                'PutBucketPolicy',
                'PutBucketVersioning',
                'PutObjectLegalHold',
                'PutObjectLockConfiguration',
                'PutObjectRetention',
              ],
              requestParameters: { bucketName: buckets },
            },
            {
              ...writes,
              userIdentity: {
                sessionContext: {
                  sessionIssuer: {
                    arn: [
                      {
                        'anything-but': [
                          `arn:aws:iam::${ACCOUNT}:role/${P}-audit-firehose`,
                          `arn:aws:iam::${ACCOUNT}:role/${P}-audit-digest-lambda`,
                          `arn:aws:iam::${ACCOUNT}:role/${P}-audit-report-lambda`,
                        ],
                      },
                    ],
                  },
                },
              },
            },
            { ...writes, userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
          ],
        },
      },
      tags: TAGS,
    });
  });

  it('pages through the critical topic', () => {
    expect(
      run.one('aws:cloudwatch/eventTarget:EventTarget', 'audit-tampering-target').inputs,
    ).toEqual({ rule: `${P}-audit-tampering`, arn: CRITICAL });
  });
});

describe('delivery status logging of the alert topics', () => {
  const group = (severity: string) => `sns/${REGION}/${ACCOUNT}/${P}-alerts-${severity}/Failure`;
  const groupArn = (severity: string) =>
    `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group(severity)}`;

  it('writes into encrypted log groups with retention, as a role only SNS may assume for these topics', () => {
    for (const severity of ['critical', 'warning']) {
      expect(
        run.one('aws:cloudwatch/logGroup:LogGroup', `alerts-${severity}-delivery-failures`).inputs,
      ).toEqual({
        name: group(severity),
        retentionInDays: 14,
        kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`,
        tags: TAGS,
      });
    }
    const role = run.one('aws:iam/role:Role', 'alerts-delivery-logs-role').inputs;
    expect(policy(role.assumeRolePolicy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-*` },
        },
      },
    ]);
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'alerts-delivery-logs-policy').inputs.policy)
        .Statement,
    ).toEqual([
      {
        Sid: 'WriteTheDeliveryFailureLogGroups',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          groupArn('critical'),
          `${groupArn('critical')}:log-stream:*`,
          groupArn('warning'),
          `${groupArn('warning')}:log-stream:*`,
        ],
      },
    ]);
  });
});

describe('the dashboards', () => {
  const settings = parseMonitoringSettings({ alerts: ALERTS, runbookUrl: RUNBOOK_URL });
  const stackTopology = topology({ prefix: P, region: REGION, accountId: ACCOUNT });
  const alarms = alarmCatalog(stackTopology, settings, { paper: true, sms: null });
  const definitions = dashboardCatalog(stackTopology, settings, alarms);
  const bodyOf = (key: string): DashboardBody =>
    JSON.parse(
      run.one('aws:cloudwatch/dashboard:Dashboard', `dashboards-${key}`).inputs
        .dashboardBody as string,
    ) as DashboardBody;

  it('are the overview and one per context', () => {
    expect(
      run
        .all('aws:cloudwatch/dashboard:Dashboard')
        .map((dashboard) => dashboard.inputs.dashboardName)
        .sort(),
    ).toEqual(
      ['api', 'audit', 'exchange', 'notifications', 'overview', 'purchases', 'scheduling'].map(
        (key) => `${P}-${key}`,
      ),
    );
  });

  it.each(definitions.map((definition) => [definition.key, definition] as const))(
    '%s: parses, fits the 24-column grid, and graphs exactly the metrics of its definition',
    (key, definition) => {
      const body = bodyOf(key);
      for (const widget of body.widgets) {
        expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      }
      const drawn = body.widgets.flatMap((widget) =>
        widget.type === 'metric'
          ? widget.properties.metrics.flatMap((entry) => {
              if (entry.length === 1) return [];
              const [namespace, name, ...rest] = entry as unknown as string[];
              const pairs = rest.slice(0, -1);
              const dimensions = Object.fromEntries(
                pairs.flatMap((value, at) =>
                  at % 2 === 0 ? [[value, pairs[at + 1] as string]] : [],
                ),
              );
              return [metricKey({ namespace, name, dimensions } as never)];
            })
          : [],
      );
      const declared = definition.widgets.flatMap((widget) =>
        widget.kind === 'graph' || widget.kind === 'number'
          ? widget.series.flatMap((series) =>
              seriesMetrics(series).map((metric) => metricKey(metric, () => 'api123')),
            )
          : [],
      );
      expect([...new Set(drawn)].sort()).toEqual([...new Set(declared)].sort());
      expect(drawn.length).toBeGreaterThan(0);
    },
  );

  it('draw each alarm graph with its threshold, and list alarms by ARN', () => {
    const api = bodyOf('api');
    const latency = api.widgets.find(
      (widget) =>
        widget.type === 'metric' && widget.properties.title === 'The GraphQL API is slow (p99).',
    );
    expect(latency).toEqual({
      type: 'metric',
      x: expect.any(Number) as unknown,
      y: expect.any(Number) as unknown,
      width: 12,
      height: 6,
      properties: {
        title: 'The GraphQL API is slow (p99).',
        view: 'timeSeries',
        stacked: false,
        region: REGION,
        period: 300,
        metrics: [['AWS/AppSync', 'Latency', 'GraphQLAPIId', 'api123', { stat: 'p99' }]],
        annotations: { horizontal: [{ label: `${P}-api-latency-p99 threshold`, value: 2000 }] },
      },
    });
    const status = api.widgets.find((widget) => widget.type === 'alarm');
    expect(status?.properties).toEqual({
      title: 'Alarms',
      alarms: [
        'lambda-calendar-errors',
        'lambda-calendar-throttles',
        'lambda-calendar-duration',
        'lambda-schedule-preview-errors',
        'lambda-schedule-preview-throttles',
        'lambda-schedule-preview-duration',
        'api-5xx-errors',
        'api-latency-p99',
        'api-graphql-errors',
      ].map((name) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${P}-${name}`),
      sortBy: 'stateUpdatedTimestamp',
    });
  });
});
