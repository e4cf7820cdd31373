/**
 * Aggregated mode's join path on the local stack (`execution.mode: aggregated`): a slot Decide
 * said BUY for joins its market's block for the current window (the member attributes on its
 * PENDING execution, the block's message delayed until the window is sealed) and its run ends
 * `JoinedBlock` without any order; from then on no per-slot path touches it: a duplicate delivery
 * and a retry end `InBlock`, the order step refuses it, and the completer hands a stale member's
 * block to the worker instead of restarting the run. The block worker itself (part A2) is not
 * run here: every assertion holds before the window is sealed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '#domain/ids.ts';
import { LocalClock } from '#local/clock.ts';
import { LambdaInvocationError } from '#local/services/lambda.ts';
import type { LocalStack } from '#local/stack.ts';
import { devStackConfig } from '#local/stack.ts';
import { blockMemberKey } from '#shared/blocks.ts';
import { createDailyPlans, ledger } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

/** The slot as the schedules deliver it (and the executions are keyed). */
const SLOT = '2027-03-02T08:00:00Z';
const BLOCK = 'EUR#2027-03-02T08:00:00.000Z';
let stack: LocalStack;
let planIds: string[];
/** The block's messages the joins sent. */
let announced = 0;

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date('2027-03-01T12:00:00Z')),
    config: {
      ...devStackConfig(),
      execution: { mode: 'aggregated', windowSeconds: 60, maxOrderMinor: {} },
    },
  });
  const client = await signIn(stack, 'erin');
  planIds = await createDailyPlans(client, 2, {
    amount: '10.00',
    currency: 'EUR',
    timeOfDay: '08:00',
    startDate: '2027-03-02',
    endDate: '2027-03-02',
  });
  await stack.settle();
  // The slots fire; the window is sealed at 08:01:05, after this test's last step.
  await stack.advanceTo(Date.parse(SLOT) + 20_000);
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

const slots = async () =>
  (await ledger(stack))
    .filter((item) => planIds.includes(item.planId))
    .sort((a, b) => planIds.indexOf(a.planId) - planIds.indexOf(b.planId));
/** A queue's physical name: the stack's prefix (its tables') and the topology key. */
const queueName = (key: string) =>
  `${(stack.tableNames.executions ?? '').replace(/-executions$/, '')}-${key}`;
const blockMessages = () =>
  stack.sqs
    .messages(queueName('block-orders'))
    .map((message) => ({ body: message.body, state: message.state }));
const pathOf = (index: number) => stack.stateMachine.history().at(index)?.path;

describe('a BUY in aggregated mode', () => {
  it('ends JoinedBlock, without an order, for every slot', () => {
    const runs = stack.stateMachine.history();
    expect(runs.map((run) => run.path)).toEqual(
      planIds.map(() => [
        'ClaimSlot',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'JoinBlock',
        'JoinedBlock',
      ]),
    );
    expect(stack.exchange.state().orders).toEqual([]);
  });

  it('writes the member attributes on the PENDING execution, once', async () => {
    expect(
      (await slots()).map((item) => ({
        planId: item.planId,
        status: item.status,
        blockId: item.blockId,
        blockMember: item.blockMember,
        blockQuote: item.blockQuote,
        joined: typeof item.blockJoinedAt === 'string' && item.blockJoinedAt === item.updatedAt,
      })),
    ).toEqual(
      planIds.map((planId) => ({
        planId,
        status: 'PENDING',
        blockId: BLOCK,
        blockMember: blockMemberKey(BLOCK, planId),
        blockQuote: '1000',
        joined: true,
      })),
    );
  });

  it('puts the block’s message on its queue (once per execution environment), delayed until the window is sealed', () => {
    const messages = blockMessages();
    announced = messages.length;
    expect(announced).toBeGreaterThanOrEqual(1);
    expect(announced).toBeLessThanOrEqual(planIds.length);
    expect(new Set(messages.map((message) => JSON.stringify(message)))).toEqual(
      new Set([JSON.stringify({ body: JSON.stringify({ blockId: BLOCK }), state: 'delayed' })]),
    );
  });
});

describe('a member, on the per-slot paths', () => {
  it('ends a duplicate delivery at InBlock without reading back or placing anything', async () => {
    const first = stack.stateMachine.history()[0];
    const duplicate = await stack.stateMachine.start(first?.input);
    expect(duplicate.path).toEqual(['ClaimSlot', 'ReadClaim', 'ClaimState', 'InBlock']);
    expect(stack.exchange.state().orders).toEqual([]);
  });

  it('is restarted by the retry dispatcher into a run that ends InBlock', async () => {
    const [member] = await slots();
    const message = {
      planId: member?.planId,
      userId: member?.userId,
      version: 1,
      scheduledFor: SLOT,
      clientOrderId: member?.clientOrderId,
      amount: '10.00',
      currency: 'EUR',
      attempt: 1,
      error: 'ExchangeUnavailableError',
    };
    const started = stack.stateMachine.started;
    await expect(
      stack.lambdas.get('retry-dispatcher')?.invoke({
        Records: [
          {
            messageId: 'm-1',
            body: JSON.stringify(message),
            attributes: { SentTimestamp: String(Date.parse(SLOT) - 3_600_000) },
          },
        ],
      }),
    ).resolves.toEqual({ batchItemFailures: [] });
    await stack.settle();
    expect(stack.stateMachine.started).toBe(started + 1);
    expect(pathOf(-1)).toEqual(['ClaimSlot', 'ReadClaim', 'ClaimState', 'InBlock']);
    expect(stack.exchange.state().orders).toEqual([]);
  });

  it('is refused by the order step, which sends nothing and changes nothing', async () => {
    const [member] = await slots();
    const event = {
      planId: member?.planId,
      userId: member?.userId,
      scheduledFor: SLOT,
      clientOrderId: clientOrderIdFor(member?.planId as string, SLOT),
      amount: '10.00',
      currency: 'EUR',
    };
    const placeOrder = stack.lambdas.get('place-order');
    for (const request of [event, { ...event, readBack: true }]) {
      await expect(placeOrder?.invoke(request)).rejects.toThrow(
        new LambdaInvocationError(
          'RunInBlockError',
          `the run is a member of block ${BLOCK}: the block worker finishes it`,
        ),
      );
    }
    expect(stack.exchange.state().orders).toEqual([]);
    const [after] = await slots();
    expect(after).toEqual(member);
  });

  it('has its block sent to the worker again by the completer once stale, instead of a restart', async () => {
    stack.clock.moveTo(Date.parse(SLOT) + 31 * 60_000);
    const started = stack.stateMachine.started;
    await expect(stack.lambdas.get('completer')?.invoke({})).resolves.toEqual({
      stale: 2,
      sent: 0,
      blocks: 1,
    });
    const before = announced;
    const message = JSON.stringify({ blockId: BLOCK });
    expect(blockMessages().map(({ body }) => body)).toEqual(
      Array.from({ length: before + 1 }, () => message),
    );
    expect(stack.sqs.messages(queueName('purchase-retries'))).toEqual([]);
    expect(stack.stateMachine.started).toBe(started);
  });
});
