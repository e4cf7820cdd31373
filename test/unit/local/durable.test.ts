/**
 * The emulated services keep in their journal what the real services keep: a service opened
 * again on the same file (a restart of `npm start`) answers as the first one did before it
 * stopped, whatever it acknowledged included.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalRequest } from '#local/http.ts';
import { LocalAppConfig, type AppConfigRecord } from '#local/services/appconfig.ts';
import { Journal } from '#local/services/journal.ts';
import { LocalOutbox, type OutboxMessage } from '#local/services/outbox.ts';
import { NO_EXCHANGE_FAULTS, PaperExchange } from '#local/services/paper-exchange-server.ts';
import { LocalScheduler, type Delivery } from '#local/services/scheduler.ts';
import { LocalSqs } from '#local/services/sqs.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spb-durable-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function request(method: string, path: string, body?: unknown): LocalRequest {
  const rawBody = body === undefined ? '' : JSON.stringify(body);
  return {
    method,
    url: new URL(`http://127.0.0.1${path}`),
    headers: { 'content-type': 'application/json' },
    sourceIp: '127.0.0.1',
    body,
    rawBody,
    bytes: Buffer.from(rawBody),
  };
}

describe('the journal', () => {
  it('replays sets and deletes in the order keys were first set, and compacts when opened', () => {
    const file = join(dir, 'service.jsonl');
    const first = new Journal<{ n: number }>(file);
    first.put('a', { n: 1 });
    first.put('b', { n: 2 });
    first.put('a', { n: 3 });
    first.delete('b');
    first.put('c', { n: 4 });
    first.close();
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(5);

    const second = new Journal<{ n: number }>(file);
    expect(second.entries()).toEqual([
      ['a', { n: 3 }],
      ['c', { n: 4 }],
    ]);
    expect(readFileSync(file, 'utf8')).toBe('{"k":"a","v":{"n":3}}\n{"k":"c","v":{"n":4}}\n');
    second.close();
  });

  it('drops a last line cut short by a crash (it was never acknowledged)', () => {
    const file = join(dir, 'service.jsonl');
    const first = new Journal<string>(file);
    first.put('kept', 'yes');
    first.close();
    appendFileSync(file, '{"k":"torn","v":"y');
    const second = new Journal<string>(file);
    expect(second.entries()).toEqual([['kept', 'yes']]);
    second.close();
  });

  it('compacts while it runs once its lines reach twice the live entries plus a margin', () => {
    const file = join(dir, 'service.jsonl');
    const journal = new Journal<number>(file);
    for (let n = 0; n < 1500; n += 1) journal.put('counter', n);
    // 1,002 lines (twice the one live entry, plus 1,000), compacted to one, then 498 more.
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(499);
    journal.close();
    expect(new Journal<number>(file).entries()).toEqual([['counter', 1499]]);
  });

  it('keeps nothing without a file', () => {
    const journal = new Journal<number>();
    journal.put('a', 1);
    expect(journal.durable).toBe(false);
    expect(journal.entries()).toEqual([]);
  });
});

describe('SQS', () => {
  const now = Date.parse('2026-12-07T08:00:00Z');
  const open = (file: string) =>
    new LocalSqs({
      now: () => now,
      region: 'eu-central-1',
      accountId: '000000000000',
      baseUrl: () => 'http://127.0.0.1:4000',
      journal: new Journal(file),
    });

  it('finds delayed, visible and in-flight messages as they were, once the queue is created again', () => {
    const file = join(dir, 'sqs.jsonl');
    const before = open(file);
    const dlq = before.createQueue('retries-dlq');
    const url = before.createQueue('retries', {
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: before.queueArnOf(dlq),
        maxReceiveCount: 1,
      }),
    });
    before.send(url, 'received', 0);
    before.send(url, 'deleted', 0);
    const [received, deleted] = before.receive(url, { maxMessages: 2 });
    before.delete(url, deleted?.receiptHandle ?? '');
    before.send(url, 'delayed', 900);
    before.send(url, 'visible', 0, { attempt: { DataType: 'Number', StringValue: '2' } });
    const expected = before.messages('retries');

    const after = open(file);
    after.createQueue('retries-dlq');
    const again = after.createQueue('retries', {
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: after.queueArnOf(dlq),
        maxReceiveCount: 1,
      }),
    });
    expect(after.messages('retries')).toEqual(expected);
    expect(expected.map((message) => [message.body, message.state, message.receiveCount])).toEqual([
      ['received', 'in-flight', 1],
      ['delayed', 'delayed', 0],
      ['visible', 'visible', 0],
    ]);
    // The receipt handle given before the restart still deletes its message.
    after.delete(again, received?.receiptHandle ?? '');
    const third = open(file);
    third.createQueue('retries-dlq');
    third.createQueue('retries');
    expect(third.messages('retries').map((message) => message.body)).toEqual([
      'delayed',
      'visible',
    ]);
  });
});

describe('EventBridge Scheduler', () => {
  const start = Date.parse('2026-12-07T07:00:00Z');
  const target = {
    Arn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:purchase',
    RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
    Input: '{"planId":"p1"}',
  };

  it('keeps schedules, groups and what has fired; a firing whose delivery was never accepted fires again', async () => {
    const file = join(dir, 'scheduler.jsonl');
    let now = start;
    const delivered: string[] = [];
    const open = () =>
      new LocalScheduler({
        now: () => now,
        region: 'eu-central-1',
        accountId: '000000000000',
        journal: new Journal(file),
        deliver: async (delivery: Delivery) => {
          delivered.push(`${delivery.schedule.name}@${delivery.scheduledTime}`);
        },
      });
    const before = open();
    for (const [path, body] of [
      ['/_aws/scheduler/schedule-groups/plans', {}],
      [
        '/_aws/scheduler/schedules/slot',
        {
          GroupName: 'plans',
          ScheduleExpression: 'at(2026-12-07T08:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        },
      ],
      [
        '/_aws/scheduler/schedules/sweeper',
        {
          ScheduleExpression: 'rate(5 minutes)',
          StartDate: start / 1000,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        },
      ],
    ] as const) {
      expect((await before.handler(request('POST', path, body))).status).toBe(200);
    }
    now = Date.parse('2026-12-07T08:00:00Z');
    for (let due = before.nextDue(now); due !== null; due = before.nextDue(now)) {
      await before.fire(due);
    }
    expect(delivered).toHaveLength(14);
    const views = before.list();

    const after = open();
    expect(after.list()).toEqual(views);
    expect(after.nextDue(now)).toBeNull();
    expect(
      (await after.handler(request('GET', '/_aws/scheduler/schedule-groups/plans'))).status,
    ).toBe(200);

    // A crash between the firing and the target's answer: the restart delivers it again.
    now = Date.parse('2026-12-07T08:05:00Z');
    const due = after.nextDue(now);
    if (due === null) throw new Error('the sweeper is due');
    let accept: () => void = () => undefined;
    const crashed = new LocalScheduler({
      now: () => now,
      region: 'eu-central-1',
      accountId: '000000000000',
      journal: new Journal(file),
      deliver: () => new Promise<void>((resolve) => (accept = resolve)),
    });
    const firing = crashed.fire(due);
    const restarted = open();
    expect(restarted.nextDue(now)).toEqual(due);
    accept();
    await firing;
  });
});

describe('the paper exchange', () => {
  it('keeps every order it answered and its prices; faults start cleared', async () => {
    const file = join(dir, 'exchange.jsonl');
    const now = () => Date.parse('2026-12-07T08:00:00Z');
    const before = new PaperExchange(now, undefined, new Journal(file));
    before.configure({ prices: { EUR: '90000.00' } });
    before.setFaults({ ...before.faults, latencyMs: 5 });
    const handler = before.handler('/api');
    const order = await handler(
      request('POST', '/api/orders', { clientOrderId: 'p1-slot', currency: 'EUR', quote: '25.00' }),
    );
    expect(order.status).toBe(200);

    const after = new PaperExchange(now, undefined, new Journal(file));
    const { faults, stats, ...state } = after.state();
    const { faults: _faults, stats: _stats, ...kept } = before.state();
    expect(state).toEqual(kept);
    expect(faults).toEqual(NO_EXCHANGE_FAULTS);
    expect(stats).toEqual({
      requests: 0,
      orders: 0,
      rateLimited: 0,
      errors: 0,
      timeouts: 0,
      unavailable: 0,
      refused: 0,
      duplicateFills: 0,
    });
    const again = await after.handler('/api')(
      request('POST', '/api/orders', {
        clientOrderId: 'p1-slot',
        currency: 'EUR',
        quote: '25.00',
      }),
    );
    expect(again).toEqual(order);
    expect(after.state().orders).toHaveLength(1);
  });
});

describe('AppConfig, the outbox and the clock', () => {
  it('keeps the deployed flags and their version', () => {
    const file = join(dir, 'appconfig.jsonl');
    const before = new LocalAppConfig(undefined, new Journal(file));
    expect(before.restored).toBe(false);
    before.set({ purchasesEnabled: false });
    const after = new LocalAppConfig(undefined, new Journal(file));
    expect(after.restored).toBe(true);
    expect(after.flags).toEqual(before.flags);
  });

  it('keeps the emergency stop beside the flags, whichever was deployed last', () => {
    const file = join(dir, 'appconfig-emergency.jsonl');
    const before = new LocalAppConfig(undefined, new Journal(file));
    before.set({ maxAmountPerRun: '50.00' });
    before.setEmergencyStop({ purchasesEnabled: false });
    const after = new LocalAppConfig(undefined, new Journal(file));
    expect({ restored: after.restored, flags: after.flags, stop: after.emergencyStop }).toEqual({
      restored: true,
      flags: before.flags,
      stop: { purchasesEnabled: false },
    });
  });

  it('reads flags journaled before the share of users existed as on for every user', () => {
    const file = join(dir, 'appconfig-before-share.jsonl');
    new Journal<AppConfigRecord>(file).put('deployed', {
      flags: { purchasesEnabled: false, maxAmountPerRun: '5.00', maxAmountPerRunByCurrency: {} },
      version: 4,
    } as unknown as AppConfigRecord);
    expect(new LocalAppConfig(undefined, new Journal(file)).flags).toEqual({
      purchasesEnabled: false,
      purchasesEnabledPercent: '100',
      maxAmountPerRun: '5.00',
      maxAmountPerRunByCurrency: {},
    });
  });

  it('keeps every message sent, oldest first', () => {
    const file = join(dir, 'outbox.jsonl');
    const message = (to: string): OutboxMessage => ({
      channel: 'SMS',
      to,
      subject: null,
      body: 'Bought',
      event: 'PurchaseSucceeded',
      planId: 'p1',
      executionId: null,
      sentAt: '2026-12-07T08:00:03.000Z',
      messageId: to,
    });
    const before = new LocalOutbox(new Journal(file));
    before.add(message('+4915100000001'));
    before.add(message('+4915100000002'));
    expect(new LocalOutbox(new Journal(file)).messages()).toEqual(before.messages());
  });

  it('resumes from its last position, or from LOCAL_CLOCK_START when that is later', () => {
    const file = join(dir, 'clock.json');
    const first = LocalClock.kept(file, '2030-01-01T00:00:00Z');
    first.moveTo(Date.parse('2030-01-02T12:00:00Z'));
    const resumed = LocalClock.kept(file, '');
    expect(resumed.now()).toBeGreaterThanOrEqual(Date.parse('2030-01-02T12:00:00Z'));
    expect(resumed.now()).toBeLessThan(Date.parse('2030-01-02T12:01:00Z'));
    const earlierStart = LocalClock.kept(file, '2030-01-01T00:00:00Z');
    expect(earlierStart.now()).toBeGreaterThanOrEqual(Date.parse('2030-01-02T12:00:00Z'));
    const laterStart = LocalClock.kept(file, '2031-06-01T00:00:00Z');
    expect(laterStart.now()).toBeGreaterThanOrEqual(Date.parse('2031-06-01T00:00:00Z'));
    expect(laterStart.now()).toBeLessThan(Date.parse('2031-06-01T00:01:00Z'));
  });
});
