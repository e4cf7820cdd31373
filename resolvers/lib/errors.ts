/**
 * The error types of the GraphQL contract. Each helper raises a field error (AppSync's
 * `errorType`), which ends the resolver: APPSYNC_JS has no exceptions of its own.
 */
import { util } from '@aws-appsync/utils';

/** Problems with an input, keyed by the field's path in the input ("amount", "schedule.timezone"). */
export type Problems = Record<string, string>;

/** Raises `ValidationError` naming every invalid field; `errorInfo.fields` maps path to reason. */
export function rejectInput(problems: Problems): never {
  const details = Object.keys(problems)
    .map((field) => `${field} ${problems[field]}`)
    .join('; ');
  return util.error(`Invalid input: ${details}.`, 'ValidationError', null, { fields: problems });
}

/** True when `problems` holds at least one entry. */
export function hasProblems(problems: Problems): boolean {
  return Object.keys(problems).length > 0;
}

/** Raises `NotFoundError`; used alike for absent plans and other users' plans. */
export function planNotFound(): never {
  return util.error('No savings plan with this id.', 'NotFoundError');
}

/** Raises `ConflictError` for a change based on an outdated version of the plan. */
export function versionConflict(currentVersion: number): never {
  return util.error(
    `The plan was changed in the meantime (now at version ${currentVersion}); reload it and try again.`,
    'ConflictError',
    null,
    { currentVersion },
  );
}

/** Raises `LimitExceededError` when a user holds the maximum number of plans. */
export function planLimitReached(max: number): never {
  return util.error(
    `You can have at most ${max} savings plans; delete one to create another.`,
    'LimitExceededError',
    null,
    { limit: max },
  );
}

/** Re-raises a data source error, which AppSync would otherwise swallow into a null field. */
export function raise(error: { message: string; type: string }): never {
  return util.error(error.message, error.type);
}

/** DynamoDB's error type for a failed condition on PutItem, UpdateItem or DeleteItem. */
export const CONDITION_FAILED = 'DynamoDB:ConditionalCheckFailedException';

/**
 * True when a cancelled transaction's reason says its condition failed. AppSync's docs spell the
 * reason `ConditionCheckFailed` while DynamoDB itself says `ConditionalCheckFailed`: accept both.
 */
export function isConditionFailure(reason: { type?: string } | null | undefined): boolean {
  const type = reason ? reason.type : undefined;
  return type === 'ConditionalCheckFailed' || type === 'ConditionCheckFailed';
}
