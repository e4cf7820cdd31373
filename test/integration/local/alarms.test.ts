/**
 * The deployed alarms on the local stack: a function forced to fail and a message dead-lettered
 * turn their alarms to ALARM in `GET /_local/alarms`, with the alert email in the outbox, and back
 * to OK once the cause is gone and the clock has moved on. Also the dashboards and the metrics
 * query endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import { DEFAULT_ALERT_EMAIL, type AlarmView } from '#local/services/alarms.ts';
import { devStackConfig, type LocalStack } from '#local/stack.ts';
import { alarmCatalog } from '#shared/monitoring/alarms.ts';
import { parseMonitoringSettings } from '#shared/monitoring/settings.ts';
import { dashboardCatalog } from '#shared/monitoring/dashboards.ts';
import { topology as deploymentTopology } from '#shared/topology.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

let stack: LocalStack;
let prefix: string;
const START = '2027-02-01T09:00:30Z';
const at = (time: string) => Date.parse(`2027-02-01T${time}Z`);

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function alarms(): Promise<AlarmView[]> {
  return (await call('GET', '/_local/alarms')).body.alarms as AlarmView[];
}

/** The alarms not OK, as `[name, state]`. */
async function raised(): Promise<[string, string][]> {
  return (await alarms())
    .filter((alarm) => alarm.state !== 'OK')
    .map((alarm) => [alarm.name, alarm.state]);
}

async function alarm(key: string): Promise<AlarmView> {
  return (await alarms()).find((each) => each.key === key) as AlarmView;
}

function alerts() {
  return stack.outbox
    .messages()
    .filter((message) => message.event === 'AlarmStateChange')
    .map(({ to, subject }) => ({ to, subject }));
}

/**
 * Dev's config with the monitoring defaults (AWS's recommended alarms, no subscriptions): the
 * evaluator's behaviour, not dev's tuning, is what these tests pin.
 */
const config = { ...devStackConfig(), monitoring: parseMonitoringSettings(undefined) };

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date(START)), config });
  prefix = stack.settings.plansTable.replace(/-plans$/, '');
});

afterAll(async () => {
  await stack.stop();
});

describe('GET /_local/alarms', () => {
  it('lists every deployed alarm by its deployed name, each OK after the first evaluation', async () => {
    const topology = deploymentTopology(
      { prefix, region: 'eu-central-1', accountId: '000000000000' },
      config.notifications,
    );
    const names = alarmCatalog(topology, config.monitoring, { paper: true, sms: null }).map(
      (definition) => definition.name,
    );
    const listed = await alarms();
    expect(listed.map((each) => each.name)).toEqual(names);
    expect(await raised()).toEqual([]);
    const retries = await alarm('queue-purchase-retries-dlq-dead-letters');
    // The first evaluation runs once the stack has started, its clock following wall time.
    const since = Date.parse(retries.since);
    expect(since >= Date.parse(START) && since <= stack.clock.now()).toBe(true);
    expect(retries).toEqual({
      name: `${prefix}-queue-purchase-retries-dlq-dead-letters`,
      state: 'OK',
      reason:
        'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
      since: retries.since,
      key: 'queue-purchase-retries-dlq-dead-letters',
      kind: 'metric',
      severity: 'critical',
      summary: `Messages wait in the dead-letter queue ${prefix}-purchase-retries-dlq: work given up on that nobody will retry until someone redrives it.`,
      runbook: 'docs/runbook.md#dead-letters',
    });
  });
});

describe('a function forced to fail', () => {
  it('turns its errors alarm to ALARM after three minutes of errors, alerts, and returns to OK', async () => {
    const calendar = stack.lambdas.get('calendar');
    await call('POST', '/_local/faults', { failingFunctions: ['calendar'] });
    for (const next of ['09:01:30', '09:02:30', null]) {
      await expect(calendar?.invoke({})).rejects.toThrow('a fault injected');
      if (next !== null) await stack.advanceTo(at(next));
    }
    await stack.advanceTo(at('09:03:00'));
    const fired = await alarm('lambda-calendar-errors');
    expect(fired).toEqual({
      ...fired,
      state: 'ALARM',
      reason:
        'Threshold Crossed: 3 out of the last 3 datapoints [1.0 (01/02/27 09:02:00), 1.0 (01/02/27 09:01:00), 1.0 (01/02/27 09:00:00)] were greater than the threshold (0.0) (minimum 3 datapoints for OK -> ALARM transition).',
      since: '2027-02-01T09:03:00.000Z',
    });
    expect(await raised()).toEqual([[`${prefix}-lambda-calendar-errors`, 'ALARM']]);
    expect(alerts()).toEqual([
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `ALARM: "${prefix}-lambda-calendar-errors" in EU (Frankfurt)`,
      },
    ]);

    await call('POST', '/_local/faults', {});
    await stack.advanceTo(at('09:06:00'));
    expect(await alarm('lambda-calendar-errors')).toEqual({
      ...fired,
      state: 'OK',
      reason:
        'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
      since: '2027-02-01T09:04:00.000Z',
    });
    expect(await raised()).toEqual([]);
    expect(alerts()).toEqual([
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `ALARM: "${prefix}-lambda-calendar-errors" in EU (Frankfurt)`,
      },
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `OK: "${prefix}-lambda-calendar-errors" in EU (Frankfurt)`,
      },
    ]);
  });
});

describe('POST /_local/metrics/query', () => {
  const calendar = (name: string) => ({
    kind: 'metric',
    metric: {
      namespace: 'AWS/Lambda',
      name,
      dimensions: { FunctionName: `${prefix}-calendar` },
      stat: 'Sum',
    },
  });

  it('answers each series per period, null where there is no data', async () => {
    expect(
      await call('POST', '/_local/metrics/query', {
        series: [calendar('Errors'), calendar('Invocations'), calendar('Throttles')],
        periodSeconds: 60,
        start: '2027-02-01T08:59:00Z',
        end: '2027-02-01T09:04:00Z',
      }),
    ).toEqual({
      status: 200,
      body: {
        start: '2027-02-01T08:59:00.000Z',
        end: '2027-02-01T09:04:00.000Z',
        periodSeconds: 60,
        timestamps: ['08:59', '09:00', '09:01', '09:02', '09:03'].map(
          (time) => `2027-02-01T${time}:00.000Z`,
        ),
        values: [
          [null, 1, 1, 1, null],
          [null, 1, 1, 1, null],
          [null, null, null, null, null],
        ],
      },
    });
  });

  it('covers the last 3 hours of the local clock by default', async () => {
    const { body } = await call('POST', '/_local/metrics/query', {
      series: [calendar('Errors')],
      periodSeconds: 3600,
    });
    expect({
      start: body.start,
      end: body.end,
      timestamps: body.timestamps,
      values: body.values,
    }).toEqual({
      start: new Date(Date.parse(body.end as string) - 3 * 3_600_000).toISOString(),
      end: body.end,
      timestamps: ['06:00', '07:00', '08:00', '09:00'].map((time) => `2027-02-01T${time}:00.000Z`),
      values: [[null, null, null, 3]],
    });
  });

  it('refuses a malformed query with a clear message', async () => {
    const refused = async (body: unknown) =>
      (await call('POST', '/_local/metrics/query', body)).body;
    expect([
      await refused([]),
      await refused({ series: [], periodSeconds: 60 }),
      await refused({ series: [calendar('Errors')], periodSeconds: 90 }),
      await refused({
        series: [
          { kind: 'metric', metric: { namespace: 'AWS/Lambda', name: 'Errors', stat: 'Median' } },
        ],
        periodSeconds: 60,
      }),
      await refused({ series: [calendar('Errors')], periodSeconds: 60, start: 'yesterday' }),
      await refused({
        series: [calendar('Errors')],
        periodSeconds: 60,
        start: '2027-02-01T10:00:00Z',
        end: '2027-02-01T09:00:00Z',
      }),
      await refused({ series: [calendar('Errors')], periodSeconds: 60, stat: 'Sum' }),
    ]).toEqual([
      {
        error:
          'send a JSON object such as {"series": [{"kind": "metric", "metric": {...}}], "periodSeconds": 60}',
      },
      { error: 'series must be a non-empty list of series' },
      { error: 'periodSeconds must be a positive multiple of 60' },
      {
        error:
          'series[0].metric.stat must be Sum, Average, Maximum, Minimum, SampleCount or a percentile such as p90',
      },
      { error: 'start must be an ISO 8601 timestamp with Z or an offset' },
      { error: 'start must be before end' },
      { error: 'unknown field(s): stat (series, periodSeconds, start, end)' },
    ]);
  });
});

describe('the metrics the Lambdas emit', () => {
  it('come from their EMF output, with the deployed service name as dimension', async () => {
    const client = await signIn(stack, 'alarms-emf');
    await createDailyPlans(client, 1, {
      timeOfDay: '08:00',
      startDate: '2027-02-02',
      endDate: '2027-02-03',
    });
    await stack.settle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const service = `service=${prefix}-schedule-sync`;
    expect(
      stack.monitoring.store
        .metricKeys()
        .filter((key) => key.startsWith('SavingsPlanBuy/') && key.includes(service)),
    ).toEqual([
      // The record of the sync's own write-back cannot move the schedule: it is skipped, so no
      // PlanSync_unchanged (domain/schedule-inputs.ts).
      `SavingsPlanBuy/PlanChanged_CREATED{${service}}`,
      `SavingsPlanBuy/PlanSync_armed{${service}}`,
    ]);
  });
});

describe('GET /_local/dashboards', () => {
  it('answers the deployed dashboards with the local API id in place of its reference', async () => {
    const topology = deploymentTopology(
      { prefix, region: 'eu-central-1', accountId: '000000000000' },
      config.notifications,
    );
    const { monitoring } = config;
    const expected = JSON.parse(
      JSON.stringify(
        dashboardCatalog(
          topology,
          monitoring,
          alarmCatalog(topology, monitoring, { paper: true, sms: null }),
        ),
      ).replaceAll('{"resource":"graphqlApiId"}', '"local"'),
    ) as unknown;
    expect(await call('GET', '/_local/dashboards')).toEqual({
      status: 200,
      body: { dashboards: expected },
    });
  });
});

describe('a message dead-lettered', () => {
  it("turns its dead-letter queue's alarm to ALARM with an alert, and back to OK once it is gone", async () => {
    const dlq = `${prefix}-notifications-dlq`;
    const firstSince = (await alarm('queue-notifications-dlq-dead-letters')).since;
    // The plan changes made above are told first (they wait coalesceSeconds, 60 s on dev): only
    // the message below meets the failing notifier.
    await stack.advanceTo(stack.clock.now() + 61_000);
    await call('POST', '/_local/faults', { failingFunctions: ['notifier'] });
    stack.sqs.send(stack.notificationQueueUrl, JSON.stringify({ detail: {} }));
    await stack.advanceTo(at('12:00:00'));
    expect(stack.sqs.messages(dlq).length).toBe(1);
    const fired = await alarm('queue-notifications-dlq-dead-letters');
    expect(fired).toEqual({
      ...fired,
      state: 'ALARM',
      // The queue's depth is sampled every minute: the last minute read is 11:59.
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/02/27 11:59:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    });
    // It fired once the minute the message arrived in had ended.
    expect(
      stack.monitoring.alarms
        .transitions()
        .filter((each) => each.key === fired.key)
        .map((each) => [each.to, each.at]),
    ).toEqual([
      ['OK', firstSince],
      ['ALARM', fired.since],
    ]);
    expect(fired.since.endsWith(':00.000Z')).toBe(true);
    expect(await raised()).toEqual([[`${prefix}-queue-notifications-dlq-dead-letters`, 'ALARM']]);
    expect(alerts().slice(2)).toEqual([
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `ALARM: "${prefix}-queue-notifications-dlq-dead-letters" in EU (Frankfurt)`,
      },
    ]);

    await call('POST', '/_local/faults', {});
    const url = stack.sqs.queueUrlOf(`arn:aws:sqs:eu-central-1:000000000000:${dlq}`);
    for (const message of stack.sqs.receive(url, { maxMessages: 10 })) {
      stack.sqs.delete(url, message.receiptHandle);
    }
    await stack.advanceTo(at('12:02:00'));
    expect(await raised()).toEqual([]);
    expect((await alarm('queue-notifications-dlq-dead-letters')).since).toBe(
      '2027-02-01T12:02:00.000Z',
    );
    expect(alerts().slice(2)).toEqual([
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `ALARM: "${prefix}-queue-notifications-dlq-dead-letters" in EU (Frankfurt)`,
      },
      {
        to: DEFAULT_ALERT_EMAIL,
        subject: `OK: "${prefix}-queue-notifications-dlq-dead-letters" in EU (Frankfurt)`,
      },
    ]);
  });
});
