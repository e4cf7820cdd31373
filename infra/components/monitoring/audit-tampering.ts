/**
 * Pages at once when someone tries to delete, overwrite or loosen the audit buckets: a rule on the
 * account's default event bus (where CloudTrail delivers API calls, "AWS API Call via CloudTrail")
 * with the critical alert topic as its target. The alarm `audit-bucket-tampering` watches the
 * rule's `MatchedEvents` too, so the attempt also shows on the audit dashboard and in the
 * purchases-at-risk overview.
 *
 * What it matches, on any of the audit buckets (records, trail, access logs), succeeded or refused
 * (a refused attempt is still an attempt):
 * - object deletions and retention or legal-hold changes (S3 data events: the trail records them,
 *   `audit-trail/api-call-trail.ts`);
 * - bucket changes that loosen it: Object Lock configuration, lifecycle, policy, versioning,
 *   deletion of the bucket (management events, always recorded);
 * - writes into the records bucket by anyone but the writers it has (the Firehose stream's role,
 *   the digest and report jobs' roles). S3 cannot tell an overwrite from a new key in a
 *   CloudTrail event, so every write by another principal counts; the writers' own IAM policies
 *   keep them to their prefixes, and Object Lock keeps every earlier version.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pattern-operators.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

/** Calls that delete audit objects or loosen an audit bucket (CloudTrail event names). */
export const TAMPERING_EVENT_NAMES = [
  'DeleteBucket',
  'DeleteBucketLifecycle',
  'DeleteBucketPolicy',
  'DeleteObject',
  'DeleteObjects',
  'PutBucketLifecycle',
  'PutBucketLifecycleConfiguration',
  'PutBucketPolicy',
  'PutBucketVersioning',
  'PutObjectLegalHold',
  'PutObjectLockConfiguration',
  'PutObjectRetention',
];

/** Calls that write an object (a new key or a new version of an existing one). */
export const OBJECT_WRITE_EVENT_NAMES = ['CompleteMultipartUpload', 'CopyObject', 'PutObject'];

export interface AuditTamperingPatternArgs {
  /** The locked records bucket: writes into it by others count too. */
  readonly recordsBucketName: string;
  /** Every audit bucket (records included). */
  readonly bucketNames: readonly string[];
  /** The roles that write records (Firehose, the digest and report jobs), by ARN. */
  readonly writerRoleArns: readonly string[];
}

/** The rule's event pattern. */
export function auditTamperingPattern(args: AuditTamperingPatternArgs) {
  const writes = {
    eventName: OBJECT_WRITE_EVENT_NAMES,
    requestParameters: { bucketName: [args.recordsBucketName] },
  };
  return {
    source: ['aws.s3'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['s3.amazonaws.com'],
      $or: [
        {
          eventName: TAMPERING_EVENT_NAMES,
          requestParameters: { bucketName: [...args.bucketNames] },
        },
        // A role's session names the role it was issued for; any other identity (a user, the
        // root) has no session issuer, so it is matched by its type.
        {
          ...writes,
          userIdentity: {
            sessionContext: {
              sessionIssuer: { arn: [{ 'anything-but': [...args.writerRoleArns] }] },
            },
          },
        },
        { ...writes, userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] } },
      ],
    },
  };
}

export interface AuditTamperingRuleArgs {
  /** `auditTamperingRuleName(prefix)`: the alarm on its MatchedEvents names it. */
  readonly ruleName: string;
  readonly recordsBucketName: In<string>;
  readonly bucketNames: readonly In<string>[];
  readonly writerRoleArns: readonly In<string>[];
  /** The critical alert topic. */
  readonly topicArn: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The audit-tampering rule and its target (type `savings:monitoring:AuditTamperingRule`). */
export class AuditTamperingRule extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;

  constructor(name: string, args: AuditTamperingRuleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:AuditTamperingRule', name, {}, opts);
    const pattern = pulumi
      .all([
        args.recordsBucketName,
        pulumi.all([...args.bucketNames]),
        pulumi.all([...args.writerRoleArns]),
      ])
      .apply(([recordsBucketName, bucketNames, writerRoleArns]) =>
        JSON.stringify(auditTamperingPattern({ recordsBucketName, bucketNames, writerRoleArns })),
      );
    // No eventBusName: CloudTrail's API-call events arrive on the account's default bus only.
    this.rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: args.ruleName,
        description: 'Attempts to delete, overwrite or loosen the audit buckets: pages at once',
        eventPattern: pattern,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      { rule: this.rule.name, arn: args.topicArn },
      { parent: this },
    );
    this.registerOutputs({ ruleArn: this.rule.arn });
  }
}
