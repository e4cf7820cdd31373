import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ReportViolation } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { statementsOf, wildcardMatches, type Statement } from '../../../lib/documents.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const CONTEXT_KEY = 'kms:encryptioncontext:aws:logs:arn';

/** A log group name no real group has: a pattern whose name part matches it matches every group. */
const ANY_LOG_GROUP = 'no-such-log-group/00000000';

/** CloudWatch Logs' service principal: `logs.<region>.amazonaws.com` (or without a Region). */
const LOGS_SERVICE = /^logs(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;

/** Whether the statement lets CloudWatch Logs in (by name, or by a pattern matching it). */
function forCloudWatchLogs(statement: Statement): boolean {
  return (statement.principals?.Service ?? []).some(
    (service) =>
      LOGS_SERVICE.test(service) || wildcardMatches(service, 'logs.any-region-1.amazonaws.com'),
  );
}

/** The log groups a statement names in its encryption-context condition (undefined: none). */
function logGroupsNamed(statement: Statement): string[] | undefined {
  const named = Object.entries(statement.conditions)
    .filter(([operator]) =>
      ['arnequals', 'arnlike', 'stringequals', 'stringlike'].includes(operator.toLowerCase()),
    )
    .flatMap(([, keys]) =>
      Object.entries(keys).filter(([key]) => key.toLowerCase() === CONTEXT_KEY),
    )
    .flatMap(([, values]) => values.map(String));
  return named.length === 0 ? undefined : named;
}

/** Whether a log group ARN (pattern) matches every log group of some account and Region. */
function everyLogGroup(arn: string): boolean {
  if (arn === '*') return true;
  const parts = arn.split(':');
  return (
    parts.length >= 7 &&
    wildcardMatches(parts[5] ?? '', 'log-group') &&
    wildcardMatches(parts.slice(6).join(':'), ANY_LOG_GROUP)
  );
}

function check(document: unknown, reportViolation: ReportViolation): void {
  for (const statement of statementsOf(document) ?? []) {
    if (statement.effect !== 'Allow' || !forCloudWatchLogs(statement)) continue;
    const groups = logGroupsNamed(statement);
    if (groups === undefined) {
      reportViolation(
        `KMS key policies must let CloudWatch Logs use the key for named log groups only: add an ArnEquals or ArnLike condition on kms:EncryptionContext:aws:logs:arn with the stack's log group ARNs to statement ${statement.id}.`,
      );
      continue;
    }
    const wide = groups.filter(everyLogGroup);
    if (wide.length > 0) {
      reportViolation(
        `KMS key policies must let CloudWatch Logs use the key for named log groups only: replace ${wide.map((arn) => `"${arn}"`).join(', ')} in statement ${statement.id} with the stack's log group ARNs or name patterns.`,
      );
    }
  }
}

/**
 * CloudWatch Logs encrypts a log group with the key whenever someone associates it: without the
 * encryption context condition, any log group of the account could be put under the project key.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export const enforceLogGroupEncryptionContext: PackResourcePolicy = {
  name: 'aws-kms-key-enforce-log-group-encryption-context',
  description:
    'Checks that KMS key policy statements for CloudWatch Logs name the log groups the key may encrypt, with a kms:EncryptionContext:aws:logs:arn condition that does not match every log group.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an ArnEquals (or ArnLike) condition on kms:EncryptionContext:aws:logs:arn listing the stack\u2019s log group ARNs to every statement for logs.<region>.amazonaws.com.',
  ...ownRule(),
  validateResource: [
    validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) =>
      check(key.policy, reportViolation),
    ),
    validateResourceOfType(aws.kms.KeyPolicy, (policy, _args, reportViolation) =>
      check(policy.policy, reportViolation),
    ),
  ],
};
