/**
 * The alarm and dashboard catalog of a stack, as data: what every resource of the topology gets,
 * what the composites are made of, and that the dashboards name only what exists.
 */
import { describe, expect, it } from 'vitest';
import { functionSpecs } from '#shared/functions.ts';
import {
  alarmCatalog,
  BURN_RATE_WINDOWS,
  type AlarmDefinition,
  type MetricAlarmDefinition,
} from '#shared/monitoring/alarms.ts';
import { dashboardCatalog } from '#shared/monitoring/dashboards.ts';
import { seriesMetrics } from '#shared/monitoring/metrics.ts';
import { parseMonitoringSettings } from '#shared/monitoring/settings.ts';
import { parseNotificationSettings } from '#shared/notification-settings.ts';
import { SMS_SPEND_METRIC, SMS_SPEND_SERVICE } from '../../../functions/lib/send-limits.ts';
import { topology } from '#shared/topology.ts';

const stack = topology({
  prefix: 'savings-plan-buy-prod',
  region: 'eu-central-1',
  accountId: '111111111111',
});
const settings = parseMonitoringSettings({ sloTargetPercent: 99.9 });
const alarms = alarmCatalog(stack, settings, { paper: false, sms: null });
const metricAlarms = alarms.filter(
  (alarm): alarm is MetricAlarmDefinition => alarm.kind === 'metric',
);
const byKey = new Map<string, AlarmDefinition>(alarms.map((alarm) => [alarm.key, alarm]));

function metricOf(key: string) {
  const alarm = byKey.get(key);
  if (alarm?.kind !== 'metric' || alarm.series.kind !== 'metric') throw new Error(`no ${key}`);
  return alarm.series.metric;
}

describe('the alarm catalog', () => {
  it('names every alarm once, <prefix>-<key>, within CloudWatch\u2019s 255 characters', () => {
    expect(new Set(alarms.map((alarm) => alarm.name)).size).toBe(alarms.length);
    for (const alarm of alarms) {
      expect(alarm.name).toBe(`savings-plan-buy-prod-${alarm.key}`);
      expect(alarm.name.length).toBeLessThanOrEqual(255);
    }
  });

  it('alarms on a visible message in every dead-letter queue, and on the age of every work queue', () => {
    for (const [key, queue] of Object.entries(stack.queues)) {
      const alarm = byKey.get(
        queue.kind === 'dead-letter'
          ? `queue-${key}-dead-letters`
          : `queue-${key}-oldest-message-age`,
      );
      expect(alarm, key).toBeDefined();
      if (queue.kind === 'dead-letter') {
        expect(alarm).toMatchObject({ severity: 'critical', threshold: 0, evaluationPeriods: 1 });
        expect(metricOf(`queue-${key}-dead-letters`)).toEqual({
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: queue.name },
          stat: 'Maximum',
        });
      }
    }
  });

  it('gives a work queue 1.5 times its consumer\u2019s retries (visibility x receives) before its age alarms', () => {
    // retry-dispatcher: 30 s timeout, visibility 6 x 30 s, 10 receives.
    expect(byKey.get('queue-purchase-retries-oldest-message-age')).toMatchObject({
      threshold: 2700,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
    });
  });

  it('alarms on errors, throttles and a p90 duration at 80 % of the timeout for every function', () => {
    for (const [name, spec] of Object.entries(functionSpecs)) {
      expect(metricOf(`lambda-${name}-errors`)).toEqual({
        namespace: 'AWS/Lambda',
        name: 'Errors',
        dimensions: { FunctionName: `savings-plan-buy-prod-${name}` },
        stat: 'Sum',
      });
      expect(metricOf(`lambda-${name}-throttles`).name).toBe('Throttles');
      expect(metricOf(`lambda-${name}-duration`).stat).toBe('p90');
      expect(byKey.get(`lambda-${name}-duration`)).toMatchObject({
        threshold: spec.timeoutSeconds * 800,
      });
    }
  });

  it('reads the workflow\u2019s throttling as AWS names it: ExecutionThrottled, singular', () => {
    expect(metricOf('purchase-executions-throttled').name).toBe('ExecutionThrottled');
    expect(metricOf('purchase-executions-failed').dimensions).toEqual({
      StateMachineArn:
        'arn:aws:states:eu-central-1:111111111111:stateMachine:savings-plan-buy-prod-purchase',
    });
  });

  it('has no paper orders table alarms on a stack that trades on a real exchange', () => {
    expect(byKey.has('table-paper-orders-write-throttles')).toBe(false);
    expect(
      alarmCatalog(stack, settings, { paper: true, sms: null }).some(
        (alarm) => alarm.key === 'table-paper-orders-write-throttles',
      ),
    ).toBe(true);
  });

  it('sets each burn-rate window at its burn rate times the error budget (0.1 %)', () => {
    expect(
      metricAlarms
        .filter((alarm) => alarm.family === 'slo-burn')
        .map((alarm) => [alarm.key, alarm.threshold, alarm.periodSeconds]),
    ).toEqual([
      ['slo-burn-fast-1h', 1.44, 3600],
      ['slo-burn-fast-5m', 1.44, 300],
      ['slo-burn-slow-6h', 0.6, 21_600],
      ['slo-burn-slow-30m', 0.6, 1800],
      ['slo-burn-steady-24h', 0.3, 86_400],
      ['slo-burn-steady-2h', 0.3, 7200],
    ]);
    expect(BURN_RATE_WINDOWS.map((window) => byKey.get(`slo-burn-${window.key}`))).toMatchObject([
      {
        kind: 'composite',
        severity: 'critical',
        rule: { op: 'all', of: ['slo-burn-fast-1h', 'slo-burn-fast-5m'] },
      },
      {
        kind: 'composite',
        severity: 'critical',
        rule: { op: 'all', of: ['slo-burn-slow-6h', 'slo-burn-slow-30m'] },
      },
      {
        kind: 'composite',
        severity: 'warning',
        rule: { op: 'all', of: ['slo-burn-steady-24h', 'slo-burn-steady-2h'] },
      },
    ]);
  });

  it('makes "purchases at risk" of exactly the alarms that mean customers\u2019 money is affected', () => {
    const atRisk = byKey.get('purchases-at-risk');
    expect(atRisk).toMatchObject({ kind: 'composite', severity: 'critical', rule: { op: 'any' } });
    expect(atRisk?.kind === 'composite' ? [...atRisk.rule.of].sort() : []).toEqual(
      [
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
      ].sort(),
    );
  });

  it('lets composites name only alarms of the catalog declared before them', () => {
    const seen = new Set<string>();
    for (const alarm of alarms) {
      if (alarm.kind === 'composite') for (const key of alarm.rule.of) expect(seen).toContain(key);
      seen.add(alarm.key);
    }
  });

  it('alarms on the month\u2019s SMS spend at the alarm share of the spend limit, only where SMS is sent', () => {
    expect(byKey.has('sms-spend')).toBe(false);
    const { sms } = parseNotificationSettings({
      sms: { countries: ['DE'], monthlySpendLimitUsd: 20, alarmPercent: 75, budgetPercent: 90 },
    });
    const spend = alarmCatalog(stack, settings, { paper: false, sms }).find(
      (alarm) => alarm.key === 'sms-spend',
    );
    expect(spend).toEqual({
      kind: 'metric',
      key: 'sms-spend',
      name: 'savings-plan-buy-prod-sms-spend',
      family: 'smsSpend',
      severity: 'critical',
      context: 'notifications',
      subject: { kind: 'sms' },
      summary:
        "This month's SMS spend passed 75 % of the 20 USD limit: SMS pumping, or growth the budget must follow; at 90 % every SMS is held back.",
      runbook: 'sms-spend',
      series: {
        kind: 'metric',
        metric: {
          namespace: 'SavingsPlanBuy',
          name: SMS_SPEND_METRIC,
          dimensions: { service: SMS_SPEND_SERVICE },
          stat: 'Maximum',
        },
      },
      comparison: 'GreaterThanThreshold',
      threshold: 15_000_000,
      periodSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      atRisk: false,
    });
  });

  it('follows a stack\u2019s tuning: a quieter dev still has every alarm', () => {
    const quiet = alarmCatalog(
      stack,
      parseMonitoringSettings({
        tuning: { lambdaErrors: { evaluationPeriods: 10, datapointsToAlarm: 5 } },
      }),
      { paper: false, sms: null },
    );
    expect(quiet.map((alarm) => alarm.key)).toEqual(alarms.map((alarm) => alarm.key));
    expect(quiet.find((alarm) => alarm.key === 'lambda-decide-errors')).toMatchObject({
      evaluationPeriods: 10,
      datapointsToAlarm: 5,
    });
  });
});

describe('the dashboards', () => {
  const dashboards = dashboardCatalog(stack, settings, alarms);

  it('are an overview and one per context', () => {
    expect(dashboards.map((dashboard) => dashboard.name)).toEqual([
      'savings-plan-buy-prod-overview',
      'savings-plan-buy-prod-api',
      'savings-plan-buy-prod-scheduling',
      'savings-plan-buy-prod-purchases',
      'savings-plan-buy-prod-exchange',
      'savings-plan-buy-prod-notifications',
      'savings-plan-buy-prod-audit',
    ]);
  });

  it('name only alarms of the catalog, and graph every metric alarm but the burn windows on its context\u2019s dashboard', () => {
    const graphed = new Set<string>();
    for (const dashboard of dashboards) {
      for (const widget of dashboard.widgets) {
        if (widget.kind === 'alarms')
          for (const key of widget.alarms) expect(byKey.has(key)).toBe(true);
        if (widget.kind === 'graph' && widget.alarm !== undefined) {
          expect(byKey.get(widget.alarm)?.context).toBe(dashboard.key);
          graphed.add(widget.alarm);
        }
      }
    }
    expect([...graphed].sort()).toEqual(
      metricAlarms
        .filter((alarm) => alarm.family !== 'slo-burn')
        .map((alarm) => alarm.key)
        .sort(),
    );
  });

  it('show the SLO and its error budget on the overview', () => {
    const overview = dashboards[0];
    expect(overview?.widgets[0]).toEqual({
      kind: 'text',
      markdown:
        'SLO: slots that reach a final status within 30 minutes of their scheduled time >= 99.9 % (error budget 0.1 %). Runbook: docs/runbook.md',
    });
    const graph = overview?.widgets.find((widget) => widget.kind === 'graph');
    expect(
      graph?.kind === 'graph' ? graph.series.flatMap(seriesMetrics).map((m) => m.name) : [],
    ).toEqual(['SlotsFinalLate', 'SlotsMissed', 'SlotsFinal', 'SlotsMissed']);
  });
});
