import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raise, rejectInput } from './lib/errors.ts';
import { callerId } from './lib/plan.ts';

type Args = { limit?: number | null; nextToken?: string | null };

/**
 * A notification as stored (sort key `n#<event time>#<event id>#<channel>`): sent, failed, or
 * held back with its reason.
 */
interface NotificationItem {
  id: string;
  event: string;
  channel: string;
  to: string;
  subject?: string;
  body: string;
  planId?: string;
  executionId?: string;
  status: string;
  sentAt: string;
  reason?: string;
}

type QueryResult = { items: NotificationItem[]; nextToken?: string | null };

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * The caller's partition, notification items only, newest first: the key condition leaves out
 * the preferences item and the sending counters (`#sent#...`, `#codes#...`) kept beside them, and
 * every other partition (other users, destinations, the platform).
 */
export function request(ctx: Context<Args>): DynamoDBQueryRequest {
  const userId = callerId(ctx);
  const limit = ctx.args.limit ?? DEFAULT_LIMIT;
  if (limit < 1 || limit > MAX_LIMIT) {
    return rejectInput({ limit: `must be from 1 to ${MAX_LIMIT}` });
  }
  const request: DynamoDBQueryRequest = {
    operation: 'Query',
    query: {
      expression: '#userId = :userId AND begins_with(#sk, :prefix)',
      expressionNames: { '#userId': 'userId', '#sk': 'sk' },
      expressionValues: util.dynamodb.toMapValues({ ':userId': userId, ':prefix': 'n#' }),
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
      return rejectInput({
        nextToken: 'is not a token returned by an earlier page of notifications',
      });
    }
    return raise(ctx.error);
  }
  return {
    items: ctx.result.items.map((item) => ({
      id: item.id,
      event: item.event,
      channel: item.channel,
      to: item.to,
      subject: item.subject ?? null,
      body: item.body,
      planId: item.planId ?? null,
      executionId: item.executionId ?? null,
      status: item.status,
      sentAt: item.sentAt,
      reason: item.reason ?? null,
    })),
    nextToken: ctx.result.nextToken ?? null,
  };
}
