import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ALERT_EMAIL, LocalAlarms, type AlarmRecord } from '#local/services/alarms.ts';
import { LocalMetricStore, type MinuteAggregate } from '#local/services/cloudwatch.ts';
import { Journal } from '#local/services/journal.ts';
import { LocalOutbox } from '#local/services/outbox.ts';
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';

const T0 = Date.parse('2026-12-07T09:00:00Z');
const MINUTE = 60_000;
const dlq = {
  namespace: 'AWS/SQS',
  name: 'ApproximateNumberOfMessagesVisible',
  dimensions: { QueueName: 'local-dlq' },
};

const definitions: AlarmDefinition[] = [
  {
    kind: 'metric',
    key: 'queue-dlq-dead-letters',
    name: 'local-queue-dlq-dead-letters',
    family: 'deadLetters',
    severity: 'critical',
    context: 'purchases',
    subject: { kind: 'queue', queue: 'purchase-retries-dlq' },
    summary: 'Messages wait in the dead-letter queue.',
    runbook: 'dead-letters',
    atRisk: true,
    series: { kind: 'metric', metric: { ...dlq, stat: 'Maximum' } },
    comparison: 'GreaterThanThreshold',
    threshold: 0,
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
  },
  {
    kind: 'composite',
    key: 'purchases-at-risk',
    name: 'local-purchases-at-risk',
    severity: 'critical',
    context: 'purchases',
    summary: "Customers' money is affected.",
    runbook: 'purchases-at-risk',
    atRisk: false,
    rule: { op: 'any', of: ['queue-dlq-dead-letters'] },
  },
];

function setup(dataDir?: string, emails: string[] = []) {
  let now = T0;
  const store = new LocalMetricStore({
    now: () => now,
    ...(dataDir === undefined
      ? {}
      : { journal: new Journal<MinuteAggregate>(join(dataDir, 'metrics.jsonl')) }),
  });
  const outbox = new LocalOutbox();
  const alarms = new LocalAlarms({
    definitions,
    store,
    resolve: () => 'local',
    outbox,
    emails,
    region: 'eu-central-1',
    runbookUrl: 'docs/runbook.md',
    ...(dataDir === undefined
      ? {}
      : { journal: new Journal<AlarmRecord>(join(dataDir, 'alarms.jsonl')) }),
  });
  return {
    store,
    outbox,
    alarms,
    at: (instant: number) => {
      now = instant;
      alarms.observe(instant);
    },
  };
}

const brief = (alarms: LocalAlarms) =>
  alarms.list().map(({ key, state, since }) => ({ key, state, since }));

describe('the local alarms', () => {
  it('leave INSUFFICIENT_DATA at their first evaluation without sending anything', () => {
    const { alarms, outbox, at } = setup();
    at(T0);
    expect({ alarms: alarms.list(), outbox: outbox.messages() }).toEqual({
      alarms: [
        {
          name: 'local-queue-dlq-dead-letters',
          state: 'OK',
          reason:
            'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
          since: '2026-12-07T09:00:00.000Z',
          key: 'queue-dlq-dead-letters',
          kind: 'metric',
          severity: 'critical',
          summary: 'Messages wait in the dead-letter queue.',
          runbook: 'docs/runbook.md#dead-letters',
        },
        {
          name: 'local-purchases-at-risk',
          state: 'OK',
          reason: 'Rule ANY of 1 alarm in ALARM is false: none is in ALARM.',
          since: '2026-12-07T09:00:00.000Z',
          key: 'purchases-at-risk',
          kind: 'composite',
          severity: 'critical',
          summary: "Customers' money is affected.",
          runbook: 'docs/runbook.md#purchases-at-risk',
        },
      ],
      outbox: [],
    });
  });

  it('send the alert email SNS would on a change to ALARM and back to OK, composites included', () => {
    const { alarms, outbox, store, at } = setup(undefined, ['ops@example.com']);
    at(T0);
    store.put({ ...dlq, timestamp: T0 + 90_000, value: 1, unit: 'Count' });
    at(T0 + 90_000);
    expect(brief(alarms)[0]?.state).toBe('OK');
    at(T0 + 150_000);
    store.put({ ...dlq, timestamp: T0 + 160_000, value: 0, unit: 'Count' });
    at(T0 + 210_000);
    expect(brief(alarms)).toEqual([
      { key: 'queue-dlq-dead-letters', state: 'OK', since: '2026-12-07T09:03:00.000Z' },
      { key: 'purchases-at-risk', state: 'OK', since: '2026-12-07T09:03:00.000Z' },
    ]);
    const messages = outbox.messages();
    expect(
      messages.map(({ to, subject, sentAt, event }) => ({ to, subject, sentAt, event })),
    ).toEqual([
      {
        to: 'ops@example.com',
        subject: 'ALARM: "local-queue-dlq-dead-letters" in EU (Frankfurt)',
        sentAt: '2026-12-07T09:02:00.000Z',
        event: 'AlarmStateChange',
      },
      {
        to: 'ops@example.com',
        subject: 'ALARM: "local-purchases-at-risk" in EU (Frankfurt)',
        sentAt: '2026-12-07T09:02:00.000Z',
        event: 'AlarmStateChange',
      },
      {
        to: 'ops@example.com',
        subject: 'OK: "local-queue-dlq-dead-letters" in EU (Frankfurt)',
        sentAt: '2026-12-07T09:03:00.000Z',
        event: 'AlarmStateChange',
      },
      {
        to: 'ops@example.com',
        subject: 'OK: "local-purchases-at-risk" in EU (Frankfurt)',
        sentAt: '2026-12-07T09:03:00.000Z',
        event: 'AlarmStateChange',
      },
    ]);
    expect(messages[0]?.body).toBe(
      [
        'You are receiving this email because your Amazon CloudWatch Alarm "local-queue-dlq-dead-letters" in the EU (Frankfurt) region has entered the ALARM state, because "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (07/12/26 09:01:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)." at "07/12/26 09:02:00 UTC".',
        '',
        'Messages wait in the dead-letter queue.',
        '',
        'Runbook: docs/runbook.md#dead-letters',
        '',
        'Alarm Details:',
        '- Name: local-queue-dlq-dead-letters',
        '- Severity: critical',
        '- State Change: OK -> ALARM',
        '- Reason for State Change: Threshold Crossed: 1 out of the last 1 datapoints [1.0 (07/12/26 09:01:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
        '- Timestamp: 2026-12-07T09:02:00.000Z',
      ].join('\n'),
    );
  });

  it('evaluate at every minute the clock jumped over: a datapoint is read once its minute has ended, and leaves the window a minute later', () => {
    const { alarms, store, at } = setup();
    at(T0);
    store.put({ ...dlq, timestamp: T0 + 10_000, value: 2, unit: 'Count' });
    at(T0 + 10_000);
    at(T0 + 6 * 3_600_000);
    expect({
      alarms: brief(alarms),
      transitions: alarms.transitions().map(({ key, to, at: when }) => `${key} ${to} ${when}`),
    }).toEqual({
      alarms: [
        { key: 'queue-dlq-dead-letters', state: 'OK', since: '2026-12-07T09:02:00.000Z' },
        { key: 'purchases-at-risk', state: 'OK', since: '2026-12-07T09:02:00.000Z' },
      ],
      transitions: [
        'queue-dlq-dead-letters OK 2026-12-07T09:00:00.000Z',
        'purchases-at-risk OK 2026-12-07T09:00:00.000Z',
        'queue-dlq-dead-letters ALARM 2026-12-07T09:01:00.000Z',
        'purchases-at-risk ALARM 2026-12-07T09:01:00.000Z',
        'queue-dlq-dead-letters OK 2026-12-07T09:02:00.000Z',
        'purchases-at-risk OK 2026-12-07T09:02:00.000Z',
      ],
    });
  });

  it('read the store again only when an alarm could change: a quiet day costs a few evaluations', () => {
    const { alarms, at } = setup();
    at(T0);
    at(T0 + 86_400_000);
    expect(alarms.evaluations).toBe(1);
  });

  it('send alerts to the documented local address when the stack lists none', () => {
    const { outbox, store, at } = setup();
    at(T0);
    store.put({ ...dlq, timestamp: T0 + 1000, value: 1, unit: 'Count' });
    at(T0 + 60_000);
    expect(outbox.messages().map((message) => message.to)).toEqual([
      DEFAULT_ALERT_EMAIL,
      DEFAULT_ALERT_EMAIL,
    ]);
  });

  it('keep state, reason and since across a restart, and resume from the last instant evaluated', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alarms-'));
    const first = setup(dataDir);
    first.at(T0);
    first.store.put({ ...dlq, timestamp: T0 + 1000, value: 1, unit: 'Count' });
    first.at(T0 + 60_000);
    expect(brief(first.alarms)[0]).toEqual({
      key: 'queue-dlq-dead-letters',
      state: 'ALARM',
      since: '2026-12-07T09:01:00.000Z',
    });
    const before = first.alarms.list();
    const second = setup(dataDir);
    expect(second.alarms.list()).toEqual(before);
    second.at(T0 + 5 * MINUTE);
    expect(brief(second.alarms)).toEqual([
      { key: 'queue-dlq-dead-letters', state: 'OK', since: '2026-12-07T09:02:00.000Z' },
      { key: 'purchases-at-risk', state: 'OK', since: '2026-12-07T09:02:00.000Z' },
    ]);
    expect(second.outbox.messages().map((message) => message.subject)).toEqual([
      'OK: "local-queue-dlq-dead-letters" in EU (Frankfurt)',
      'OK: "local-purchases-at-risk" in EU (Frankfurt)',
    ]);
  });
});
