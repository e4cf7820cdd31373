/**
 * The `monitoring` key of a stack's config: defaults from AWS's recommended alarms, overrides per
 * family, and refusals that name the key and what it must be.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUNBOOK_URL,
  DEFAULT_TUNING,
  FAMILIES,
  parseMonitoringSettings,
} from '#shared/monitoring/settings.ts';

describe('the monitoring settings', () => {
  it('default to every family tuned as AWS recommends, no subscriptions and a 99.9 % SLO', () => {
    expect(parseMonitoringSettings(undefined)).toEqual({
      alerts: { emails: [], pagerUrl: null },
      tuning: DEFAULT_TUNING,
      queueBudgetSeconds: {},
      sloTargetPercent: 99.9,
      runbookUrl: DEFAULT_RUNBOOK_URL,
    });
  });

  it('have a default for every family', () => {
    expect(Object.keys(DEFAULT_TUNING).sort()).toEqual(Object.keys(FAMILIES).sort());
  });

  it('take a family override key by key, keeping the defaults of the keys not given', () => {
    const settings = parseMonitoringSettings({
      tuning: { lambdaErrors: { evaluationPeriods: 5, datapointsToAlarm: 4 } },
    });
    expect(settings.tuning.lambdaErrors).toEqual({
      threshold: 0,
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 4,
    });
    expect(settings.tuning.deadLetters).toEqual(DEFAULT_TUNING.deadLetters);
  });

  it('take subscriptions, queue budgets, the SLO target and the runbook address', () => {
    expect(
      parseMonitoringSettings({
        alerts: { emails: ['oncall@example.com'], pagerUrl: 'https://events.example.com/sns' },
        queueBudgetSeconds: { notifications: 600 },
        sloTargetPercent: 99.5,
        runbookUrl: 'https://github.com/example/savings-plan-buy/blob/main/docs/runbook.md',
      }),
    ).toMatchObject({
      alerts: { emails: ['oncall@example.com'], pagerUrl: 'https://events.example.com/sns' },
      queueBudgetSeconds: { notifications: 600 },
      sloTargetPercent: 99.5,
      runbookUrl: 'https://github.com/example/savings-plan-buy/blob/main/docs/runbook.md',
    });
  });

  it.each([
    [{ tuning: { lambdaErorrs: {} } }, 'monitoring.tuning: unknown alarm famil(ies) lambdaErorrs'],
    [
      { tuning: { lambdaErrors: { threshold: -1 } } },
      'monitoring.tuning.lambdaErrors.threshold must be a number >= 0',
    ],
    [
      { tuning: { lambdaErrors: { periodSeconds: 45 } } },
      'monitoring.tuning.lambdaErrors.periodSeconds must be 10, 30 or a multiple of 60',
    ],
    [
      {
        tuning: { queueAge: { periodSeconds: 3600, evaluationPeriods: 25, datapointsToAlarm: 1 } },
      },
      'monitoring.tuning.queueAge.evaluationPeriods must be an integer >= 1, with evaluationPeriods x periodSeconds at most a day',
    ],
    [
      { tuning: { lambdaErrors: { evaluationPeriods: 2, datapointsToAlarm: 3 } } },
      'monitoring.tuning.lambdaErrors.datapointsToAlarm must be an integer from 1 to evaluationPeriods (2)',
    ],
    [
      { tuning: { lambdaErrors: { enabled: false } } },
      'monitoring.tuning.lambdaErrors: unknown key(s) enabled',
    ],
    [
      { alerts: { emails: ['not-an-address'] } },
      'monitoring.alerts.emails must list email addresses',
    ],
    [
      { alerts: { pagerUrl: 'http://pager.example.com' } },
      'monitoring.alerts.pagerUrl must be an https URL',
    ],
    [
      { sloTargetPercent: 100 },
      'monitoring.sloTargetPercent must be a number from 90 to below 100',
    ],
    [
      { queueBudgetSeconds: { notifications: 5 } },
      'monitoring.queueBudgetSeconds.notifications must be an integer number of seconds >= 60',
    ],
    [
      { runbookUrl: 'http://wiki/runbook' },
      'monitoring.runbookUrl must be the https address of docs/runbook.md',
    ],
    [{ silence: true }, 'monitoring: unknown key(s) silence'],
  ])('refuse %j', (value, message) => {
    expect(() => parseMonitoringSettings(value)).toThrow(message);
  });
});
