/**
 * What operators rely on, end to end on the local stack: the kill switch and the per-run maximum
 * (AppConfig flags), partial fills, the completer finishing a run whose retry was lost, and the
 * daily reconciliation finding every mismatch between the ledger and the exchange.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import type { LocalStack } from '#local/stack.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { createDailyPlans, ledger, reconcileDay } from '../../support/purchases.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const EXECUTIONS = `query Executions($id: ID!) {
  executions(planId: $id, limit: 10) {
    items { status amount currency btcAcquired failureCode failureReason attempts clientOrderId }
  }
}`;

interface ExecutionView {
  status: string;
  amount: string;
  currency: string;
  btcAcquired: string | null;
  failureCode: string | null;
  failureReason: string | null;
  attempts: number;
  clientOrderId: string;
}

let stack: LocalStack;
let olga: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-08-01T00:00:00Z')) });
  olga = await signIn(stack, 'olga');
});

afterEach(async () => {
  await post('/_local/faults', {});
  await post('/_local/flags', {
    purchasesEnabled: true,
    maxAmountPerRun: '10000.00',
    maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
  });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  // Every event the file's runs published is one of the catalog's, with its detail's shape.
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function plansOn(day: string, amounts: readonly string[], currency = 'EUR') {
  const ids: string[] = [];
  for (const amount of amounts) {
    ids.push(
      ...(await createDailyPlans(olga, 1, {
        amount,
        currency,
        timeOfDay: '08:00',
        startDate: day,
        endDate: day,
      })),
    );
  }
  await stack.settle();
  return ids;
}

async function executionsOf(id: string): Promise<ExecutionView[]> {
  const { executions } = await olga.data<{ executions: { items: ExecutionView[] } }>(EXECUTIONS, {
    id,
  });
  return executions.items;
}

const ordersFor = (clientOrderId: string) =>
  stack.exchange.state().orders.filter((order) => order.clientOrderId === clientOrderId);

const eventsOf = (detailType: string) =>
  stack.eventBus.events().filter((event) => event.detailType === detailType);

describe('the kill switch', () => {
  it('skips every slot with PURCHASES_DISABLED while purchases are off, and buys again once on', async () => {
    expect(await post('/_local/flags', { purchasesEnabled: false })).toEqual({
      purchasesEnabled: false,
      purchasesEnabledPercent: '100',
      maxAmountPerRun: '10000.00',
      maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
    });
    const [off] = await plansOn('2027-08-02', ['25.00']);
    await stack.advanceTo(Date.parse('2027-08-02T09:00:00Z'));
    const [skipped] = await executionsOf(off ?? '');
    expect(skipped).toMatchObject({
      status: 'SKIPPED',
      failureCode: 'PURCHASES_DISABLED',
      attempts: 0,
    });
    expect(skipped?.failureReason).toMatch(/paused for maintenance/);
    expect(ordersFor(skipped?.clientOrderId ?? '')).toEqual([]);

    await post('/_local/flags', { purchasesEnabled: true });
    const [on] = await plansOn('2027-08-03', ['25.00']);
    await stack.advanceTo(Date.parse('2027-08-03T09:00:00Z'));
    const [bought] = await executionsOf(on ?? '');
    expect(bought).toMatchObject({ status: 'FILLED', failureCode: null, failureReason: null });
    expect(ordersFor(bought?.clientOrderId ?? '')).toHaveLength(1);
  });

  it('refuses flags that are not valid, and keeps the ones in force', async () => {
    const response = await fetch(`${stack.url}/_local/flags`, {
      method: 'POST',
      body: JSON.stringify({ maxAmountPerRun: '1e3' }),
    });
    expect(response.status).toBe(400);
    const flags = (await (await fetch(`${stack.url}/_local/flags`)).json()) as unknown;
    expect(flags).toEqual({
      purchasesEnabled: true,
      purchasesEnabledPercent: '100',
      maxAmountPerRun: '10000.00',
      maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
    });
  });
});

describe('the per-run maximum', () => {
  it('fails a run above it with AMOUNT_ABOVE_LIMIT and a PurchaseFailed event, and buys the rest', async () => {
    await post('/_local/flags', { maxAmountPerRun: '500.00', maxAmountPerRunByCurrency: {} });
    const failedBefore = eventsOf('PurchaseFailed').length;
    const [above, within] = await plansOn('2027-08-04', ['600.00', '500.00']);
    await stack.advanceTo(Date.parse('2027-08-04T09:00:00Z'));

    const [refused] = await executionsOf(above ?? '');
    expect(refused).toMatchObject({ status: 'FAILED', failureCode: 'AMOUNT_ABOVE_LIMIT' });
    expect(refused?.failureReason).toContain('500.00');
    expect(ordersFor(refused?.clientOrderId ?? '')).toEqual([]);
    const failed = eventsOf('PurchaseFailed').slice(failedBefore);
    expect(failed.map((event) => (event.detail as { planId: string }).planId)).toEqual([above]);

    const [bought] = await executionsOf(within ?? '');
    expect(bought).toMatchObject({ status: 'FILLED', amount: '500.00' });
  });
});

describe('a partial fill', () => {
  it('records what was bought as PARTIALLY_FILLED with PARTIAL_FILL, and one order', async () => {
    await post('/_local/exchange', { liquidity: { GBP: '7.50' } });
    const [id] = await plansOn('2027-08-05', ['20.00'], 'GBP');
    await stack.advanceTo(Date.parse('2027-08-05T09:00:00Z'));
    const [run] = await executionsOf(id ?? '');
    expect(run).toMatchObject({ status: 'PARTIALLY_FILLED', failureCode: 'PARTIAL_FILL' });
    expect(run?.failureReason).toMatch(/7\.50/);
    const orders = ordersFor(run?.clientOrderId ?? '');
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'PARTIALLY_FILLED' });
    expect(run?.btcAcquired).toBe(orders[0]?.filledSize);
  });
});

describe('the completer', () => {
  it('finishes a run whose order was taken but whose retry was lost, from the exchange, once', async () => {
    // The order Lambda dies after every order: the workflow gives up and queues a retry.
    await post('/_local/faults', { crashAfterOrderRate: 1 });
    const [id] = await plansOn('2027-08-06', ['30.00']);
    await stack.advanceTo(Date.parse('2027-08-06T08:00:30Z'));
    const [stuck] = await executionsOf(id ?? '');
    expect(stuck?.status).toBe('SUBMITTED');
    expect(ordersFor(stuck?.clientOrderId ?? '')).toHaveLength(1);

    // The retry message is lost (purged): only the completer can finish the run now.
    const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: `${stack.url}/_aws/sqs`, maxAttempts: 1 });
    await sqs.send(new PurgeQueueCommand({ QueueUrl: stack.retryQueue.url }));
    await post('/_local/faults', {});
    await stack.advanceTo(Date.parse('2027-08-06T08:20:00Z'));
    expect((await executionsOf(id ?? ''))[0]?.status).toBe('SUBMITTED');

    // Past the 30-minute SLA the next completer pass sends it back; the run reads the order.
    await stack.advanceTo(Date.parse('2027-08-06T09:00:00Z'));
    const [finished] = await executionsOf(id ?? '');
    expect(finished).toMatchObject({ status: 'FILLED', failureCode: null });
    expect(finished?.attempts).toBeGreaterThan(0);
    expect(ordersFor(finished?.clientOrderId ?? '')).toHaveLength(1);
  });
});

describe('the daily reconciliation', () => {
  it('matches a clean day, then reports each kind of mismatch as a ReconciliationBreak', async () => {
    const ids = await plansOn('2027-08-07', ['10.00', '11.00', '12.00']);
    await stack.advanceTo(Date.parse('2027-08-07T09:00:00Z'));
    const clean = await reconcileDay(stack, '2027-08-07');
    expect(clean).toMatchObject({ day: '2027-08-07', breaks: [] });
    expect(clean.matched).toBeGreaterThanOrEqual(3);

    // An order nobody recorded, and a ledger entry whose figures were altered.
    const stray = '00000000-0000-5000-8000-000000000001';
    await post('/_local/exchange/api/orders', {
      clientOrderId: stray,
      currency: 'EUR',
      quote: '10.00',
    });
    const entry = (await ledger(stack)).find((item) => item.planId === ids[1]);
    if (entry === undefined) throw new Error('no ledger entry');
    await stack.dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.tableNames.executions,
        Key: {
          ownerPlan: { S: String(entry.ownerPlan) },
          scheduledFor: { S: entry.scheduledFor },
        },
        UpdateExpression: 'SET btcAcquired = :altered',
        ExpressionAttributeValues: { ':altered': { S: '1' } },
      }),
    );
    const breaksBefore = eventsOf('ReconciliationBreak').length;
    const result = await reconcileDay(stack, '2027-08-07');
    expect(result.breaks.map((item) => [item.kind, item.clientOrderId]).sort()).toEqual(
      [
        ['AMOUNT_MISMATCH', entry.clientOrderId],
        ['UNKNOWN_ORDER', stray],
      ].sort(),
    );
    const events = eventsOf('ReconciliationBreak').slice(breaksBefore);
    expect(events.map((event) => (event.detail as { kind: string }).kind).sort()).toEqual([
      'AMOUNT_MISMATCH',
      'UNKNOWN_ORDER',
    ]);
    expect(events.every((event) => event.source === 'savings.reconciliation')).toBe(true);
  });
});

describe('the per-currency maximum', () => {
  it('holds each currency to the lower of its own maximum and the global one', async () => {
    // The partial fill above left the GBP market short of liquidity.
    await post('/_local/exchange', { liquidity: { GBP: '1000000.00' } });
    await post('/_local/flags', {
      maxAmountPerRun: '100.00',
      maxAmountPerRunByCurrency: { EUR: '5.00' },
    });
    const [euros] = await plansOn('2027-08-09', ['25.00'], 'EUR');
    const [pounds] = await plansOn('2027-08-09', ['25.00'], 'GBP');
    await stack.advanceTo(Date.parse('2027-08-09T09:00:00Z'));

    const [refused] = await executionsOf(euros ?? '');
    expect(refused).toMatchObject({
      status: 'FAILED',
      failureCode: 'AMOUNT_ABOVE_LIMIT',
      failureReason:
        "25.00 EUR is above the current limit for EUR purchases of 5.00 EUR; lower the plan's amount to keep buying.",
    });
    expect(ordersFor(refused?.clientOrderId ?? '')).toEqual([]);

    const [bought] = await executionsOf(pounds ?? '');
    expect(bought).toMatchObject({ status: 'FILLED', amount: '25.00', currency: 'GBP' });
    expect(ordersFor(bought?.clientOrderId ?? '')).toHaveLength(1);
  });
});
