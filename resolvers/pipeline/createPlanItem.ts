/**
 * Pipeline step after checkSchedule: validates the rest of the input, then writes the plan and
 * counts it on the user's meta item in one transaction, so the plan limit holds even when
 * creates race each other.
 */
import {
  util,
  type Context,
  type DynamoDBExpression,
  type DynamoDBTransactWriteItemsRequest,
} from '@aws-appsync/utils';
import { syncShardOf, USER_META_ID } from '#shared/tables.ts';
import {
  hasProblems,
  isConditionFailure,
  planLimitReached,
  raise,
  rejectInput,
  type Problems,
} from '../lib/errors.ts';
import { callerId, planKey, toPlan, type PlanItem } from '../lib/plan.ts';
import { signIn, type SignIn } from '../lib/contacts.ts';
import { settings } from '../lib/settings.ts';
import { checkCurrency, normalizeAmount, type ScheduleInput } from '../lib/validate.ts';
import type { ScheduleStash } from './checkSchedule.ts';

export type CreatePlanArgs = {
  input: { amount: string; currency: string; schedule: ScheduleInput; asset?: string | null };
};
type Stash = ScheduleStash & { plan: PlanItem };
type TransactionResult = { cancellationReasons?: { type?: string }[] | null };

const ASSETS = ['BTC'];

/**
 * Counts the plan on the meta item, and keeps the sign-in email there with whether its provider
 * verified it: the notifier's address until the user sets another in their notification
 * preferences, used only when verified.
 */
function metaUpdate(now: string, who: SignIn): DynamoDBExpression {
  if (!who.email) {
    return {
      expression: 'SET #count = if_not_exists(#count, :zero) + :one, #updatedAt = :now',
      expressionNames: { '#count': 'planCount', '#updatedAt': 'updatedAt' },
      expressionValues: util.dynamodb.toMapValues({ ':zero': 0, ':one': 1, ':now': now }),
    };
  }
  return {
    expression:
      'SET #count = if_not_exists(#count, :zero) + :one, #updatedAt = :now, #email = :email, #verified = :verified',
    expressionNames: {
      '#count': 'planCount',
      '#updatedAt': 'updatedAt',
      '#email': 'signInEmail',
      '#verified': 'signInEmailVerified',
    },
    expressionValues: util.dynamodb.toMapValues({
      ':zero': 0,
      ':one': 1,
      ':now': now,
      ':email': who.email,
      ':verified': who.emailVerified,
    }),
  };
}

export function request(ctx: Context<CreatePlanArgs, Stash>): DynamoDBTransactWriteItemsRequest {
  const userId = callerId(ctx);
  const input = ctx.args.input;
  const problems: Problems = {};
  const currency = checkCurrency(input.currency, problems, 'currency');
  const amount = currency
    ? normalizeAmount(input.amount, input.currency, currency, problems, 'amount')
    : null;
  const asset = input.asset ?? 'BTC';
  if (ASSETS.indexOf(asset) < 0) {
    problems.asset = `must be one of ${ASSETS.join(', ')}`;
  }
  const schedule = ctx.stash.schedule;
  const all: Problems = { ...problems, ...ctx.stash.scheduleProblems };
  if (hasProblems(all) || !amount || !schedule) {
    return rejectInput(all);
  }

  const now = util.time.nowISO8601();
  const plan: PlanItem = {
    userId,
    planId: util.autoUlid(),
    status: 'ACTIVE',
    amount,
    currency: input.currency,
    asset,
    schedule,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  ctx.stash.plan = plan;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table: settings.plansTable,
        operation: 'PutItem',
        key: planKey(userId, plan.planId),
        attributeValues: util.dynamodb.toMapValues({
          status: plan.status,
          amount: plan.amount,
          currency: plan.currency,
          asset: plan.asset,
          schedule: plan.schedule,
          version: plan.version,
          createdAt: plan.createdAt,
          updatedAt: plan.updatedAt,
          // Until the scheduler has armed it (the sweeper re-syncs a plan left here).
          syncShard: syncShardOf(plan.planId),
        }),
        condition: {
          expression: 'attribute_not_exists(#planId)',
          expressionNames: { '#planId': 'planId' },
          returnValuesOnConditionCheckFailure: false,
        },
      },
      {
        table: settings.plansTable,
        operation: 'UpdateItem',
        key: planKey(userId, USER_META_ID),
        update: metaUpdate(now, signIn(ctx)),
        condition: {
          expression: 'attribute_not_exists(#count) OR #count < :max',
          expressionNames: { '#count': 'planCount' },
          expressionValues: util.dynamodb.toMapValues({ ':max': settings.maxPlansPerUser }),
          returnValuesOnConditionCheckFailure: false,
        },
      },
    ],
  };
}

export function response(ctx: Context<CreatePlanArgs, Stash, object, object, TransactionResult>) {
  if (ctx.error) {
    const reasons = ctx.result ? ctx.result.cancellationReasons : null;
    if (reasons && isConditionFailure(reasons[1])) {
      return planLimitReached(settings.maxPlansPerUser);
    }
    return raise(ctx.error);
  }
  return toPlan(ctx.stash.plan);
}
