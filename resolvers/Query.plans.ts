import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { PLAN_ID_FLOOR } from '#shared/tables.ts';
import { raise, rejectInput } from './lib/errors.ts';
import { callerId, toPlan, type PlanItem } from './lib/plan.ts';

type Args = { limit?: number | null; nextToken?: string | null };
type QueryResult = { items: PlanItem[]; nextToken?: string | null };

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export function request(ctx: Context<Args>): DynamoDBQueryRequest {
  const userId = callerId(ctx);
  const limit = ctx.args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) {
    return rejectInput({ limit: `must be from 1 to ${MAX_LIMIT}` });
  }
  const request: DynamoDBQueryRequest = {
    operation: 'Query',
    // Plan ids are ULIDs (>= "0"); the user's meta item ("#meta") sorts below them.
    query: {
      expression: '#userId = :userId AND #planId >= :floor',
      expressionNames: { '#userId': 'userId', '#planId': 'planId' },
      expressionValues: util.dynamodb.toMapValues({ ':userId': userId, ':floor': PLAN_ID_FLOOR }),
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
      return rejectInput({ nextToken: 'is not a token returned by an earlier page of plans' });
    }
    return raise(ctx.error);
  }
  return {
    items: ctx.result.items.map((item) => toPlan(item)),
    nextToken: ctx.result.nextToken ?? null,
  };
}
