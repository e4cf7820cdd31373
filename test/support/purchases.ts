/**
 * Harness for purchase scenarios on a local stack: create many plans, read the ledger and the
 * paper exchange's orders, reconcile a day, and sum up what happened in figures a test asserts
 * and prints.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalStack } from '#local/stack.ts';
import { BTC_DIGITS, CURRENCY_DIGITS } from '#domain/currencies.ts';
import { toUnits } from '#domain/money.ts';
import type { ReconciliationResult } from '#domain/reconciliation.ts';
import { blockClientOrderId } from '#shared/blocks.ts';
import type { GraphqlClient } from './stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;

export interface PlanShape {
  readonly amount?: string;
  readonly currency?: string;
  readonly timeOfDay: string;
  readonly timezone?: string;
  readonly startDate: string;
  readonly endDate: string;
}

/** Creates `count` daily plans with the same shape (the user's limit allowing). */
export async function createDailyPlans(
  client: GraphqlClient,
  count: number,
  shape: PlanShape,
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const { createPlan } = await client.data<{ createPlan: { id: string } }>(CREATE, {
      input: {
        amount: shape.amount ?? '10.00',
        currency: shape.currency ?? 'EUR',
        schedule: {
          frequency: 'DAILY',
          timeOfDay: shape.timeOfDay,
          timezone: shape.timezone ?? 'UTC',
          startDate: shape.startDate,
          endDate: shape.endDate,
        },
      },
    });
    ids.push(createPlan.id);
  }
  return ids;
}

export type LedgerItem = Record<string, unknown> & {
  planId: string;
  scheduledFor: string;
  status: string;
  clientOrderId: string;
};

/** Every execution record of the stack (the purchase ledger). */
export async function ledger(stack: LocalStack): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new ScanCommand({
        TableName: stack.tableNames.executions,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item) as LedgerItem));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return items;
}

/** Runs the daily reconciliation for `day` as its schedule would. */
export async function reconcileDay(stack: LocalStack, day: string): Promise<ReconciliationResult> {
  const reconcile = stack.lambdas.get('reconcile');
  if (reconcile === undefined) throw new Error('no reconcile function');
  return (await reconcile.invoke({ day })) as ReconciliationResult;
}

export interface Figures {
  readonly slots: number;
  readonly filled: number;
  readonly partiallyFilled: number;
  readonly failed: number;
  readonly skipped: number;
  /** Slots without a final status. */
  readonly open: number;
  readonly orders: number;
  /** Client order ids with more than one order at the exchange. */
  readonly duplicateOrders: number;
  /** FILLED ledger entries whose order is not exactly one exchange order. */
  readonly filledWithoutExactlyOneOrder: number;
  /** Orders at the exchange whose slot the ledger does not record as bought. */
  readonly ordersNotBought: number;
  /**
   * Exchange orders whose fill (satoshis, spent, fee) differs from the sum of what the ledger
   * records for the slots it bought for: one slot per order in per-slot mode, the block's members
   * in aggregated mode.
   */
  readonly allocationMismatches: number;
  /** Slots bought through a block order (aggregated mode). */
  readonly inBlocks: number;
  readonly failureCodes: Readonly<Record<string, number>>;
  readonly executions: number;
  readonly retries: number;
  /** Slots the sweeper recorded as missed, with every execution that ran for them (diagnostics). */
  readonly missedRuns: readonly MissedRun[];
}

export interface MissedRun {
  readonly planId: string;
  readonly slot: string;
  readonly executions: readonly {
    readonly status: string;
    readonly error?: string;
    readonly cause?: string;
    readonly states: readonly string[];
  }[];
  /** Deliveries of the plan's schedule that exhausted their retries. */
  readonly deadLetters: readonly { readonly scheduledTime: string; readonly error: string }[];
}

const BOUGHT = new Set(['FILLED', 'PARTIALLY_FILLED']);

/**
 * The client order id of the exchange order a slot's purchase went into: its block part's once it
 * was sealed into one (aggregated mode), its own otherwise.
 */
export function orderIdOf(item: LedgerItem): string {
  return typeof item.blockId === 'string' && item.blockPart !== undefined
    ? blockClientOrderId(item.blockId, Number(item.blockPart))
    : item.clientOrderId;
}

/** What happened to the slots of `planIds`, in figures. */
export async function figures(stack: LocalStack, planIds: readonly string[]): Promise<Figures> {
  const plans = new Set(planIds);
  const entries = (await ledger(stack)).filter((item) => plans.has(item.planId));
  const clientIds = new Set(entries.map(orderIdOf));
  const orders = stack.exchange
    .state()
    .orders.filter((order) => clientIds.has(order.clientOrderId));
  const ordersByClientId = new Map<string, number>();
  for (const order of orders) {
    ordersByClientId.set(order.clientOrderId, (ordersByClientId.get(order.clientOrderId) ?? 0) + 1);
  }
  const count = (status: string) => entries.filter((item) => item.status === status).length;
  const failureCodes: Record<string, number> = {};
  for (const item of entries.filter(
    (entry) => entry.status === 'FAILED' || entry.status === 'SKIPPED',
  )) {
    const code = String(item.failureCode);
    failureCodes[code] = (failureCodes[code] ?? 0) + 1;
  }
  const executions = stack.stateMachine
    .history()
    .filter((execution) => plans.has((execution.input as { planId: string }).planId));
  return {
    slots: entries.length,
    filled: count('FILLED'),
    partiallyFilled: count('PARTIALLY_FILLED'),
    failed: count('FAILED'),
    skipped: count('SKIPPED'),
    open: count('PENDING') + count('SUBMITTED'),
    orders: orders.length,
    duplicateOrders: [...ordersByClientId.values()].filter((n) => n > 1).length,
    filledWithoutExactlyOneOrder: entries.filter(
      (item) => BOUGHT.has(item.status) && ordersByClientId.get(orderIdOf(item)) !== 1,
    ).length,
    ordersNotBought: orders.filter(
      (order) =>
        !entries.some((item) => orderIdOf(item) === order.clientOrderId && BOUGHT.has(item.status)),
    ).length,
    allocationMismatches: orders.filter((order) => {
      const bought = entries.filter(
        (item) => orderIdOf(item) === order.clientOrderId && BOUGHT.has(item.status),
      );
      const sum = (field: string) =>
        bought.reduce((total, item) => total + BigInt(String(item[field] ?? '0')), 0n);
      const digits = CURRENCY_DIGITS[order.currency] ?? 2;
      return (
        sum('btcAcquired') !== toUnits(order.filledSize, BTC_DIGITS) ||
        sum('spent') !== toUnits(order.spent, digits) ||
        sum('fee') !== toUnits(order.fee, digits)
      );
    }).length,
    inBlocks: entries.filter((item) => BOUGHT.has(item.status) && typeof item.blockId === 'string')
      .length,
    failureCodes,
    executions: executions.length,
    retries: executions.filter((execution) => 'attempt' in (execution.input as object)).length,
    missedRuns: entries
      .filter((item) => item.failureCode === 'RUN_MISSED')
      .map((item) => ({
        planId: item.planId,
        slot: item.scheduledFor,
        executions: executions
          .filter((execution) => {
            const input = execution.input as { planId: string; scheduledFor: string };
            return input.planId === item.planId && input.scheduledFor === item.scheduledFor;
          })
          .map(({ status, error, cause, states }) => ({ status, error, cause, states })),
        deadLetters: stack.scheduler
          .deadLetters()
          .filter((letter) => letter.input.includes(item.planId))
          .map(({ scheduledTime, error }) => ({ scheduledTime, error })),
      })),
  };
}
