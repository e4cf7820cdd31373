/**
 * Pipeline step after loadPlan, checkOpenRuns and checkSchedule: validates the change against the
 * stored plan and writes it, conditional on the version the caller saw, so a concurrent update
 * fails with ConflictError.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import {
  CONDITION_FAILED,
  hasProblems,
  planNotFound,
  raise,
  rejectInput,
  versionConflict,
  type Problems,
} from '../lib/errors.ts';
import { syncShardOf } from '#shared/tables.ts';
import { planKey, toPlan, type PlanItem } from '../lib/plan.ts';
import { checkCurrency, isPresent, normalizeAmount, type ScheduleInput } from '../lib/validate.ts';
import type { ScheduleStash } from './checkSchedule.ts';
import type { LoadPlanStash } from './loadPlan.ts';

export type UpdatePlanArgs = {
  input: {
    id: string;
    expectedVersion: number;
    amount?: string | null;
    currency?: string | null;
    schedule?: ScheduleInput | null;
  };
};

type Stash = LoadPlanStash & ScheduleStash;

export function request(ctx: Context<UpdatePlanArgs, Stash>): DynamoDBUpdateItemRequest {
  const input = ctx.args.input;
  const current = ctx.stash.current;
  if (current.version !== input.expectedVersion) {
    return versionConflict(current.version);
  }
  if (current.status === 'ENDED') {
    return rejectInput({ id: 'names a plan that has ended; it can no longer be changed' });
  }

  const problems: Problems = {};
  const code = input.currency ?? current.currency;
  if (code !== current.currency && (current.executionCount ?? 0) > 0) {
    // The plan's totals are in its currency; mixing two would make them meaningless.
    problems.currency =
      'cannot change once the plan has bought; create a new plan in the other currency';
    return rejectInput(problems);
  }
  const amountGiven = isPresent(input.amount);
  let amount = current.amount;
  if (amountGiven || isPresent(input.currency)) {
    // A new currency re-checks the amount, given or kept, against that currency's rules.
    const currency = checkCurrency(code, problems, 'currency');
    const field = amountGiven ? 'amount' : 'currency';
    const checked = currency
      ? normalizeAmount(input.amount ?? current.amount, code, currency, problems, field)
      : null;
    if (checked) {
      amount = checked;
    }
  }
  const schedule = isPresent(input.schedule) ? ctx.stash.schedule : current.schedule;
  const all: Problems = { ...problems, ...ctx.stash.scheduleProblems };
  if (hasProblems(all) || !schedule) {
    return rejectInput(all);
  }

  const names: Record<string, string> = {
    '#amount': 'amount',
    '#currency': 'currency',
    '#schedule': 'schedule',
    '#version': 'version',
    '#updatedAt': 'updatedAt',
    '#syncShard': 'syncShard',
  };
  let expression =
    'SET #amount = :amount, #currency = :currency, #schedule = :schedule, #version = :next, #updatedAt = :now, #syncShard = :shard';
  if (isPresent(input.schedule)) {
    // A new schedule is not armed yet: the scheduler sets nextRunAt again.
    names['#nextRunAt'] = 'nextRunAt';
    expression = `${expression} REMOVE #nextRunAt`;
  }
  return {
    operation: 'UpdateItem',
    key: planKey(current.userId, current.planId),
    update: {
      expression,
      expressionNames: names,
      expressionValues: util.dynamodb.toMapValues({
        ':amount': amount,
        ':currency': code,
        ':schedule': schedule,
        ':next': current.version + 1,
        ':now': util.time.nowISO8601(),
        ':shard': syncShardOf(current.planId),
      }),
    },
    condition: {
      expression: '#version = :expected',
      expressionNames: { '#version': 'version' },
      expressionValues: util.dynamodb.toMapValues({ ':expected': input.expectedVersion }),
    },
  };
}

export function response(ctx: Context<UpdatePlanArgs, Stash, object, object, PlanItem | null>) {
  if (ctx.error) {
    if (ctx.error.type !== CONDITION_FAILED) {
      return raise(ctx.error);
    }
    return ctx.result ? versionConflict(ctx.result.version) : planNotFound();
  }
  return toPlan(ctx.result as PlanItem);
}
