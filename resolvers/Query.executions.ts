import { runtime, util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raise, rejectInput } from './lib/errors.ts';
import { toExecution, type ExecutionItem } from './lib/execution.ts';
import { callerId, isPlanId } from './lib/plan.ts';

type Args = { planId: string; limit?: number | null; nextToken?: string | null };
type QueryResult = { items: ExecutionItem[]; nextToken?: string | null };

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * The partition key joins the caller and the plan, so someone else's plan (or an absent one) has
 * no partition to read: the answer is empty, with no hint that the plan exists.
 */
export function request(ctx: Context<Args>): DynamoDBQueryRequest {
  const userId = callerId(ctx);
  const limit = ctx.args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) {
    return rejectInput({ limit: `must be from 1 to ${MAX_LIMIT}` });
  }
  if (!isPlanId(ctx.args.planId)) {
    return runtime.earlyReturn({ items: [], nextToken: null });
  }
  const request: DynamoDBQueryRequest = {
    operation: 'Query',
    query: {
      expression: '#ownerPlan = :ownerPlan',
      expressionNames: { '#ownerPlan': 'ownerPlan' },
      expressionValues: util.dynamodb.toMapValues({ ':ownerPlan': `${userId}#${ctx.args.planId}` }),
    },
    scanIndexForward: false,
    limit,
  };
  if (ctx.args.nextToken) {
    request.nextToken = ctx.args.nextToken;
  }
  return request;
}

export function response(ctx: Context<Args, object, object, object, QueryResult>) {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:UserIllegalArgumentException' && ctx.args.nextToken) {
      return rejectInput({ nextToken: 'is not a token returned by an earlier page of executions' });
    }
    return raise(ctx.error);
  }
  return {
    items: ctx.result.items.map((item) => toExecution(item)),
    nextToken: ctx.result.nextToken ?? null,
  };
}
