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
  };
}
