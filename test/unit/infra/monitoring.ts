/**
 * The monitoring of a stack under Pulumi mocks, the same checks for every stack: the exact alarm
 * set (written out below, not derived from the catalog), each alarm's actions, the composites'
 * rules, the alert topics and their subscriptions. One stack per test file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

/** Alarms that page: dead letters of purchases, money-path errors, the business, the audit. */
export const CRITICAL_ALARMS = [
  'queue-purchase-retries-dlq-dead-letters',
  'queue-plan-stream-failures-dlq-dead-letters',
  'queue-notifications-dlq-dead-letters',
  'queue-plans-dlq-dead-letters',
  'queue-audit-dlq-dead-letters',
  'queue-slot-outcomes-dlq-dead-letters',
  'queue-email-feedback-dlq-dead-letters',
  'queue-block-orders-dlq-dead-letters',
  'lambda-schedule-sync-errors',
  'lambda-decide-errors',
  'lambda-join-block-errors',
  'lambda-retry-dispatcher-errors',
  'purchase-executions-failed',
  'purchase-executions-timed-out',
  'scheduler-invocations-dropped',
  'scheduler-dead-letter-failures',
  'rule-notifications-failed-invocations',
  'rule-plan-change-notifications-failed-invocations',
  'rule-audit-failed-invocations',
  'rule-outcomes-failed-invocations',
  'rule-email-feedback-failed-invocations',
  'audit-stream-data-freshness',
  'audit-bucket-tampering',
  'business-missed-runs',
  'business-reconciliation-breaks',
  'business-overspend',
  'business-breaker-open',
  'business-failed-slot-share',
  'business-slots-not-final',
  'business-events-not-published',
];

// place-order throws on purpose to steer the workflow: its errors are a warning.
const FUNCTIONS_WITHOUT_PAGING_ERRORS = [
  'schedule-resync',
  'sweeper',
  'place-order',
  'block-worker',
  'completer',
  'reconcile',
  'notifier',
  'contacts',
  'email-feedback',
  'audit-digest',
  'audit-report',
  'calendar',
  'schedule-preview',
  'slot-outcomes',
  'pre-traffic',
];
const ALL_FUNCTIONS = [
  'schedule-sync',
  'schedule-resync',
  'sweeper',
  'decide',
  'place-order',
  'join-block',
  'block-worker',
  'retry-dispatcher',
  'completer',
  'reconcile',
  'notifier',
  'contacts',
  'email-feedback',
  'audit-digest',
  'audit-report',
  'calendar',
  'schedule-preview',
  'slot-outcomes',
  'pre-traffic',
];

/** Alarms for the team's queue (`paper`: the stack has the paper orders table). */
export function warningAlarms(paper: boolean): string[] {
  const tables = [
    'plans',
    'executions',
    'idempotency',
    'exchange-state',
    'notifications',
    ...(paper ? ['paper-orders'] : []),
  ];
  return [
    'queue-purchase-retries-oldest-message-age',
    'queue-plan-stream-failures-oldest-message-age',
    'queue-notifications-oldest-message-age',
    'queue-plan-change-notifications-oldest-message-age',
    'queue-slot-outcomes-oldest-message-age',
    'queue-email-feedback-oldest-message-age',
    'queue-block-orders-oldest-message-age',
    ...FUNCTIONS_WITHOUT_PAGING_ERRORS.map((name) => `lambda-${name}-errors`),
    ...ALL_FUNCTIONS.flatMap((name) => [`lambda-${name}-throttles`, `lambda-${name}-duration`]),
    'purchase-executions-throttled',
    'scheduler-target-throttled',
    'rule-notifications-dead-letter-invocations',
    'rule-plan-change-notifications-dead-letter-invocations',
    'rule-audit-dead-letter-invocations',
    'rule-outcomes-dead-letter-invocations',
    'rule-email-feedback-dead-letter-invocations',
    ...tables.flatMap((table) => [
      `table-${table}-read-throttles`,
      `table-${table}-write-throttles`,
      `table-${table}-system-errors`,
    ]),
    'api-5xx-errors',
    'api-latency-p99',
    'api-graphql-errors',
    'email-bounce-rate',
    'email-complaint-rate',
    'slo-burn-fast-1h',
    'slo-burn-fast-5m',
    'slo-burn-slow-6h',
    'slo-burn-slow-30m',
    'slo-burn-steady-24h',
    'slo-burn-steady-2h',
  ];
}

/** The composite alarms and their rules, `P` being the alarm names' prefix. */
export function compositeRules(P: string): Record<string, { rule: string; severity: string }> {
  const alarm = (key: string) => `ALARM("${P}-${key}")`;
  return {
    [`${P}-slo-burn-fast`]: {
      rule: `${alarm('slo-burn-fast-1h')} AND ${alarm('slo-burn-fast-5m')}`,
      severity: 'critical',
    },
    [`${P}-slo-burn-slow`]: {
      rule: `${alarm('slo-burn-slow-6h')} AND ${alarm('slo-burn-slow-30m')}`,
      severity: 'critical',
    },
    [`${P}-slo-burn-steady`]: {
      rule: `${alarm('slo-burn-steady-24h')} AND ${alarm('slo-burn-steady-2h')}`,
      severity: 'warning',
    },
    [`${P}-purchases-at-risk`]: {
      rule: [
        'queue-purchase-retries-oldest-message-age',
        'queue-purchase-retries-dlq-dead-letters',
        'queue-plan-stream-failures-dlq-dead-letters',
        'queue-plans-dlq-dead-letters',
        'queue-block-orders-dlq-dead-letters',
        'purchase-executions-failed',
        'purchase-executions-timed-out',
        'scheduler-invocations-dropped',
        'scheduler-dead-letter-failures',
        'business-missed-runs',
        'business-reconciliation-breaks',
        'business-overspend',
        'business-breaker-open',
        'business-failed-slot-share',
        'business-slots-not-final',
        'slo-burn-fast',
      ]
        .map(alarm)
        .join(' OR '),
      severity: 'critical',
    },
  };
}

/** Who the tests' stacks alert (config `monitoring.alerts`). */
export const ALERTS = {
  emails: ['platform-alerts@example.com', 'oncall@example.com'],
  pagerUrl: 'https://events.pager.example/integration/sns/abc123',
};
export const RUNBOOK_URL = 'https://github.com/example/savings-plan-buy/blob/main/docs/runbook.md';

/** An origination identity for a stack that sends SMS (none of the stack files has one). */
export const SMS_POOL_ARN = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;

/**
 * `sms`: run the stack with an origination identity; it then also pages on the month's SMS spend.
 */
export function describeMonitoring(
  stack: string,
  options: { paper: boolean; sms?: boolean },
): void {
  const P = `savings-plan-buy-${stack}`;
  const criticalAlarms = [...CRITICAL_ALARMS, ...(options.sms === true ? ['sms-spend'] : [])];
  const topic = (severity: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-${severity}`;
  const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
  const composites = compositeRules(P);
  let run: ProgramRun;

  beforeAll(async () => {
    run = await runProgram(stack, {
      monitoring: { alerts: ALERTS, runbookUrl: RUNBOOK_URL },
      ...(options.sms === true ? { smsOriginationIdentity: SMS_POOL_ARN } : {}),
    });
  });

  const metricAlarms = () => run.all('aws:cloudwatch/metricAlarm:MetricAlarm');
  const compositeAlarms = () => run.all('aws:cloudwatch/compositeAlarm:CompositeAlarm');

  describe(`the ${stack} stack's alarms`, () => {
    it('are exactly the expected metric alarms, by name', () => {
      expect(
        metricAlarms()
          .map((alarm) => alarm.inputs.name)
          .sort(),
      ).toEqual(
        [...criticalAlarms, ...warningAlarms(options.paper)].map((key) => `${P}-${key}`).sort(),
      );
    });

    it('are exactly the expected composite alarms, with their rules', () => {
      expect(
        Object.fromEntries(
          compositeAlarms().map((alarm) => [
            alarm.inputs.alarmName,
            {
              rule: alarm.inputs.alarmRule,
              severity:
                (alarm.inputs.alarmActions as string[])[0] === topic('critical')
                  ? 'critical'
                  : 'warning',
            },
          ]),
        ),
      ).toEqual(composites);
    });

    it('notify the topic of their severity when they fire and when they recover', () => {
      const critical = new Set([
        ...criticalAlarms.map((key) => `${P}-${key}`),
        ...Object.entries(composites)
          .filter(([, composite]) => composite.severity === 'critical')
          .map(([name]) => name),
      ]);
      const actions = [...metricAlarms(), ...compositeAlarms()].map((alarm) => {
        const name = String(alarm.inputs.name ?? alarm.inputs.alarmName);
        return {
          name,
          alarm: alarm.inputs.alarmActions,
          ok: alarm.inputs.okActions,
          enabled: alarm.inputs.actionsEnabled,
        };
      });
      expect(actions).toEqual(
        actions.map(({ name }) => {
          const arn = topic(critical.has(name) ? 'critical' : 'warning');
          return { name, alarm: [arn], ok: [arn], enabled: true };
        }),
      );
      expect(actions.length).toBe(criticalAlarms.length + warningAlarms(options.paper).length + 4);
    });

    it('link their section of the runbook in a description CloudWatch accepts', () => {
      for (const alarm of [...metricAlarms(), ...compositeAlarms()]) {
        const description = String(alarm.inputs.alarmDescription);
        expect(description.length).toBeLessThanOrEqual(1024);
        expect(description).toMatch(
          new RegExp(`\\. Runbook: ${RUNBOOK_URL.replaceAll('.', '\\.')}#[a-z-]+$`),
        );
      }
    });
  });

  describe(`the ${stack} stack's alert topics`, () => {
    it('are encrypted with the project key, log failed deliveries, and take alarms of their severity only', () => {
      const alarmsOf = (severity: 'critical' | 'warning') =>
        [...metricAlarms(), ...compositeAlarms()]
          .filter((alarm) => (alarm.inputs.alarmActions as string[])[0] === topic(severity))
          .map((alarm) => alarmArn(String(alarm.inputs.name ?? alarm.inputs.alarmName)))
          .sort();
      // The policy lists the alarms in the catalog's order; compared as a set.
      const sortedSources = (document: ReturnType<typeof policy>) => ({
        ...document,
        Statement: document.Statement.map((statement) => {
          const condition = statement.Condition as
            { ArnEquals?: { 'aws:SourceArn'?: unknown } } | undefined;
          const sources = condition?.ArnEquals?.['aws:SourceArn'];
          return Array.isArray(sources)
            ? {
                ...statement,
                Condition: { ...condition, ArnEquals: { 'aws:SourceArn': [...sources].sort() } },
              }
            : statement;
        }),
      });
      for (const severity of ['critical', 'warning'] as const) {
        const resource = run.one('aws:sns/topic:Topic', `alerts-${severity}`);
        expect({
          ...resource.inputs,
          policy: sortedSources(policy(resource.inputs.policy)),
        }).toEqual({
          name: `${P}-alerts-${severity}`,
          kmsMasterKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`,
          httpFailureFeedbackRoleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-alerts-delivery-logs`,
          tags: expect.objectContaining({ project: 'savings-plan-buy', stack }) as unknown,
          policy: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sns:Publish',
                Resource: topic(severity),
                Condition: { Bool: { 'aws:SecureTransport': false } },
              },
              {
                Sid: 'TheStacksAlarmsPublish',
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: 'sns:Publish',
                Resource: topic(severity),
                Condition: {
                  StringEquals: { 'aws:SourceAccount': ACCOUNT },
                  ArnEquals: { 'aws:SourceArn': alarmsOf(severity) },
                },
              },
              ...(severity === 'critical'
                ? [
                    {
                      Sid: 'TheAuditTamperingRulePublishes',
                      Effect: 'Allow',
                      Principal: { Service: 'events.amazonaws.com' },
                      Action: 'sns:Publish',
                      Resource: topic(severity),
                      Condition: {
                        StringEquals: { 'aws:SourceAccount': ACCOUNT },
                        ArnEquals: {
                          'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-audit-tampering`,
                        },
                      },
                    },
                  ]
                : []),
            ],
          },
        });
        expect(alarmsOf(severity).length).toBeGreaterThan(20);
      }
    });

    it('deliver to every configured address on both topics and to the pager on the critical one', () => {
      const subscriptions = run
        .all('aws:sns/topicSubscription:TopicSubscription')
        .map((subscription) => subscription.inputs)
        .sort((a, b) =>
          `${String(a.topic)} ${String(a.protocol)} ${String(a.endpoint)}`.localeCompare(
            `${String(b.topic)} ${String(b.protocol)} ${String(b.endpoint)}`,
          ),
        );
      expect(subscriptions).toEqual([
        { topic: topic('critical'), protocol: 'email', endpoint: 'oncall@example.com' },
        { topic: topic('critical'), protocol: 'email', endpoint: 'platform-alerts@example.com' },
        { topic: topic('critical'), protocol: 'https', endpoint: ALERTS.pagerUrl },
        { topic: topic('warning'), protocol: 'email', endpoint: 'oncall@example.com' },
        { topic: topic('warning'), protocol: 'email', endpoint: 'platform-alerts@example.com' },
      ]);
    });
  });
}
