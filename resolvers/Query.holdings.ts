import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raise } from './lib/errors.ts';
import { toHolding, type HoldingItem } from './lib/holdings.ts';
import { callerId } from './lib/plan.ts';
import { holdingsPartition } from '#shared/holdings.ts';

type QueryResult = { items: HoldingItem[] };

/**
 * The caller's holdings: one item per currency in the caller's own partition, so nobody else's
 * can be read. The sort key is the currency, so the answer comes sorted by it. A user holds a
 * handful of currencies at most: one page of 1 MB is far more than they fill.
 */
export function request(ctx: Context): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    query: {
      expression: '#ownerPlan = :ownerPlan',
      expressionNames: { '#ownerPlan': 'ownerPlan' },
      expressionValues: util.dynamodb.toMapValues({
        ':ownerPlan': holdingsPartition(callerId(ctx)),
      }),
    },
  };
}

export function response(ctx: Context<object, object, object, object, QueryResult>) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  return ctx.result.items.map((item) => toHolding(item));
}
