/**
 * Dead letters back into the flow on the local stack: a slot whose retries were dead-lettered
 * (the retry dispatcher broken while the exchange was down) is redriven with the script's module
 * (`--local`) and with `POST /_local/dead-letters/redrive`, and is bought exactly once; the
 * completer's failed runs (its on-failure records in plans-dlq) are replayed through the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { topology } from '#shared/topology.ts';
import { destroyClients, localClients, redrive } from '../../../scripts/lib/redrive.ts';
import { ledger } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-05-03T06:00:00Z')) });
});

afterAll(async () => {
  await stack.stop();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Parked {
  readonly messageId: string;
  readonly body: string;
  readonly state: string;
}

async function deadLetters(): Promise<Record<string, Parked[]>> {
  const response = await fetch(`${stack.url}/_local/dead-letters`);
  return ((await response.json()) as { queues: Record<string, Parked[]> }).queues;
}

const localTopology = () =>
  topology({
    prefix: stack.settings.plansTable.replace(/-plans$/, ''),
    region: 'eu-central-1',
    accountId: '000000000000',
  });

describe('POST /_local/dead-letters/redrive', () => {
  it('refuses a work queue and an unknown queue with a clear message', async () => {
    const queues =
      'purchase-retries-dlq, plan-stream-failures-dlq, notifications-dlq, plans-dlq, audit-dlq, slot-outcomes-dlq, email-feedback-dlq, block-orders-dlq';
    expect(await post('/_local/dead-letters/redrive', { queue: 'purchase-retries' })).toEqual({
      status: 400,
      body: {
        error: `purchase-retries is a work queue, not a dead-letter queue: redrive one of ${queues}`,
      },
    });
    expect(await post('/_local/dead-letters/redrive', { queue: 'nope' })).toEqual({
      status: 400,
      body: { error: `unknown queue nope: redrive one of ${queues}` },
    });
    expect(await post('/_local/dead-letters/redrive', { queue: 'plans-dlq', max: 0 })).toEqual({
      status: 400,
      body: { error: 'max must be a positive integer' },
    });
  });

  it('brings a dead-lettered slot back and it is bought exactly once; a dry run moves nothing', async () => {
    const alice = await signIn(stack, 'redrive-alice');
    const created = await alice.data<{ createPlan: { id: string } }>(
      `mutation { createPlan(input: { amount: "10.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "09:00", timezone: "Europe/Berlin", endDate: "2027-05-03" } }) { id } }`,
    );
    const planId = created.createPlan.id;
    await stack.settle();
    // The exchange is down and the dispatcher broken: the slot's retries end in the DLQ. The
    // completer is broken too, so only the redrive can bring the slot back.
    await post('/_local/faults', {
      exchange: { down: true },
      failingFunctions: ['retry-dispatcher', 'completer'],
    });
    await stack.advanceTo(Date.parse('2027-05-03T09:30:00Z'));
    const parked = (await deadLetters())['purchase-retries-dlq'] ?? [];
    expect(parked.length).toBeGreaterThan(0);
    expect(parked.every((message) => message.body.includes(planId))).toBe(true);
    const [open] = (await ledger(stack)).filter((item) => item.planId === planId);
    expect(open?.status).not.toBe('FILLED');
    expect(stack.exchange.state().orders).toEqual([]);

    await post('/_local/faults', { failingFunctions: ['completer'] });
    const dryRun = await post('/_local/dead-letters/redrive', {
      queue: 'purchase-retries-dlq',
      dryRun: true,
    });
    const retryQueue = `${localTopology().names.prefix}-purchase-retries`;
    expect(dryRun).toEqual({
      status: 200,
      body: {
        queue: 'purchase-retries-dlq',
        moved: 0,
        messages: parked.map((message) => ({
          id: message.messageId,
          target: `queue ${retryQueue}`,
          action: 'would move',
        })),
        left: [],
      },
    });
    // Still there, visible (a dry run only looks: receives them and makes them visible again).
    const still = (await deadLetters())['purchase-retries-dlq'] ?? [];
    expect(still.map(({ messageId, body, state }) => ({ messageId, body, state }))).toEqual(
      parked.map(({ messageId, body }) => ({ messageId, body, state: 'visible' })),
    );

    // The script's module, as `npm run redrive -- --local --max 1` runs it: one by one.
    const clients = localClients(stack.url);
    const lines: string[] = [];
    const first = await redrive(clients, {
      topology: localTopology(),
      queue: 'purchase-retries-dlq',
      max: 1,
      progress: (line) => lines.push(line),
    });
    destroyClients(clients);
    expect(first).toEqual({
      queue: 'purchase-retries-dlq',
      moved: 1,
      messages: [{ id: parked[0]?.messageId, target: `queue ${retryQueue}`, action: 'moved' }],
      left: [],
    });
    expect(lines).toEqual([
      `purchase-retries-dlq: moved ${String(parked[0]?.messageId)} to queue ${retryQueue} (1)`,
    ]);
    // The endpoint moves the rest with a message move task.
    const rest = await post('/_local/dead-letters/redrive', { queue: 'purchase-retries-dlq' });
    expect(rest).toEqual({
      status: 200,
      body: {
        queue: 'purchase-retries-dlq',
        moved: parked.length - 1,
        messages: parked.slice(1).map((message) => ({
          id: message.messageId,
          target: `queue ${retryQueue}`,
          action: 'moved',
        })),
        left: [],
      },
    });
    expect((await deadLetters())['purchase-retries-dlq']).toEqual([]);

    await stack.advanceTo(Date.parse('2027-05-03T10:00:00Z'));
    const [bought] = (await ledger(stack)).filter((item) => item.planId === planId);
    expect(bought?.status).toBe('FILLED');
    const orders = stack.exchange
      .state()
      .orders.filter((order) => order.clientOrderId === bought?.clientOrderId);
    expect(orders).toHaveLength(1);
    expect((await deadLetters())['purchase-retries-dlq']).toEqual([]);

    // The completer failed while it was broken: its on-failure records wait in plans-dlq, and are
    // replayed through the job once it works again.
    const records = (await deadLetters())['plans-dlq'] ?? [];
    expect(records.length).toBeGreaterThan(0);
    const completer = `${localTopology().names.prefix}-completer`;
    expect(
      records.map((message) => {
        const record = JSON.parse(message.body) as { requestContext: Record<string, unknown> };
        return [record.requestContext.functionArn, record.requestContext.condition];
      }),
    ).toEqual(
      records.map(() => [
        `arn:aws:lambda:eu-central-1:000000000000:function:${completer}:$LATEST`,
        'RetriesExhausted',
      ]),
    );
    await post('/_local/faults', {});
    const invocations = stack.lambdas.get('completer')?.invocations ?? 0;
    const replayed = await post('/_local/dead-letters/redrive', { queue: 'plans-dlq' });
    expect(replayed).toEqual({
      status: 200,
      body: {
        queue: 'plans-dlq',
        moved: records.length,
        messages: records.map((message) => ({
          id: message.messageId,
          target: `function ${completer}`,
          action: 'replayed',
        })),
        left: [],
      },
    });
    await stack.settle();
    expect(stack.lambdas.get('completer')?.invocations).toBe(invocations + records.length);
    expect((await deadLetters())['plans-dlq']).toEqual([]);
    expect(
      stack.exchange
        .state()
        .orders.filter((order) => order.clientOrderId === bought?.clientOrderId),
    ).toHaveLength(1);
  }, 300_000);
});
