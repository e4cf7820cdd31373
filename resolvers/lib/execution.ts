/** Execution records (the purchase ledger) and their GraphQL shape. */
import { formatUnits } from '#domain/decimal.ts';
import type { ExecutionStatus } from '#shared/executions.ts';
import { currencyDigits } from './plan.ts';

/** An item of the executions table. */
export interface ExecutionItem {
  ownerPlan: string;
  scheduledFor: string;
  planId: string;
  userId: string;
  status: ExecutionStatus;
  amount: string;
  currency: string;
  clientOrderId: string;
  /** Satoshis and fiat minor units, as digit strings. */
  btcAcquired?: string;
  fee?: string;
  averagePrice?: string;
  exchangeOrderId?: string;
  failureReason?: string | null;
  failureCode?: string | null;
  attempts?: number;
  createdAt: string;
  updatedAt: string;
  /**
   * A member of a block order, once allocated (`MEMBER_ATTRIBUTE` in `shared/blocks.ts`): the
   * part's client order id, the exchange's order id, its members, its average price (decimal
   * string), this slot's share of its quote (decimal fraction) and the minor units not spent.
   */
  blockClientOrderId?: string;
  blockOrderId?: string | null;
  blockSize?: number;
  blockAveragePrice?: string | null;
  blockShare?: string;
  unspent?: string | null;
}

/** The block order a member bought through, as the GraphQL `ExecutionBlock`; null for others. */
export function toExecutionBlock(item: ExecutionItem, digits: number) {
  if (!item.blockClientOrderId) {
    return null;
  }
  return {
    clientOrderId: item.blockClientOrderId,
    orderId: item.blockOrderId ?? null,
    size: item.blockSize ?? 0,
    averagePrice: item.blockAveragePrice ?? null,
    share: item.blockShare ?? '0',
    unspent: item.unspent ? formatUnits(item.unspent, digits) : null,
  };
}

/** A ledger entry as the GraphQL `Execution`. */
export function toExecution(item: ExecutionItem) {
  const digits = currencyDigits(item.currency);
  return {
    id: `${item.planId}_${item.scheduledFor}`,
    planId: item.planId,
    scheduledFor: item.scheduledFor,
    status: item.status,
    amount: item.amount,
    currency: item.currency,
    btcAcquired: item.btcAcquired ? formatUnits(item.btcAcquired, 8) : null,
    averagePrice: item.averagePrice ?? null,
    fee: item.fee ? formatUnits(item.fee, digits) : null,
    clientOrderId: item.clientOrderId,
    exchangeOrderId: item.exchangeOrderId ?? null,
    failureReason: item.failureReason ?? null,
    failureCode: item.failureCode ?? null,
    attempts: item.attempts ?? 0,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    block: toExecutionBlock(item, digits),
  };
}
