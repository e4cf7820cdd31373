/**
 * The immutable audit trail, composed of parts that each hold one policy (`audit-trail/`):
 * - {@link RecordsBucket}: every event of this account on the project bus lands in an S3 bucket
 *   with Object Lock in COMPLIANCE mode, encrypted with the project key only;
 * - {@link AccessLogBucket}: the server access logs of both record buckets (a bucket with Object
 *   Lock cannot be the target of server access logs, so records never log to themselves);
 * - {@link DeliveryStream}: the KMS-encrypted Firehose stream that writes the records;
 * - {@link RecordingRule}: the bus rule into the stream, with its dead-letter queue;
 * - the EventBridge archive of the bus, for replay (one resource, below);
 * - {@link ApiCallTrail}: a multi-Region CloudTrail trail with log file validation, recording API
 *   calls and object access to the records bucket, in a bucket of its own and in CloudWatch Logs;
 * - {@link DigestSigningKey}: the asymmetric KMS key that signs the daily digests of the records.
 *
 * Every resource keeps the Pulumi address it had when this component created them all itself
 * (`audit-trail/part.ts`): a deployed stack moves them in its state and replaces nothing.
 *
 * The project key's policy must let CloudTrail, EventBridge and CloudWatch Logs use the key for
 * these resources: {@link auditKeyPolicyStatements} returns those statements.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { AccessLogBucket } from './audit-trail/access-log-bucket.ts';
import { ApiCallTrail } from './audit-trail/api-call-trail.ts';
import { DeliveryStream } from './audit-trail/delivery-stream.ts';
import { DigestSigningKey } from './audit-trail/digest-signing-key.ts';
import { auditTrailNames } from './audit-trail/names.ts';
import type { QueueEntry, RuleEntry } from '#shared/topology.ts';
import { RecordingRule } from './audit-trail/recording-rule.ts';
import { RecordsBucket } from './audit-trail/records-bucket.ts';

export { SIGNING_KEY_ACTIONS } from './audit-trail/digest-signing-key.ts';
export { auditKeyPolicyStatements } from './audit-trail/key-policy.ts';
export { auditTrailNames } from './audit-trail/names.ts';
export { GLACIER_AFTER_DAYS } from './audit-trail/records-bucket.ts';

type In<T> = pulumi.Input<T>;

export interface AuditTrailArgs {
  /** `<project>-<stack>`: every name is derived from it, so ARNs are known before deployment. */
  readonly prefix: string;
  /** The project key: buckets, stream, log groups, archive, dead letters and the trail. */
  readonly kmsKeyArn: In<string>;
  /** The project bus whose events are recorded. */
  readonly eventBusName: In<string>;
  readonly eventBusArn: In<string>;
  /** Object Lock default retention (COMPLIANCE mode) of the audit records, in days. */
  readonly auditRetentionDays: number;
  /** Retention of the EventBridge archive in days; 0 keeps events indefinitely. */
  readonly archiveRetentionDays: number;
  /** Retention of the stream's and the trail's CloudWatch log groups, in days. */
  readonly logRetentionDays: number;
  /** The role that signs the daily digests (the digest job's): the only one the key lets sign. */
  readonly signerRoleArn: In<string>;
  /** The recording rule and its dead-letter queue, as the topology declares them. */
  readonly recording: { readonly rule: RuleEntry; readonly deadLetterQueue: QueueEntry };
  readonly accountId: In<string>;
  readonly region: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The audit trail of one stack (type `savings:audit:AuditTrail`). */
export class AuditTrail extends pulumi.ComponentResource {
  readonly auditBucketName: pulumi.Output<string>;
  readonly auditBucketArn: pulumi.Output<string>;
  readonly logBucketName: pulumi.Output<string>;
  readonly trailBucketName: pulumi.Output<string>;
  readonly trailArn: pulumi.Output<string>;
  readonly firehoseArn: pulumi.Output<string>;
  readonly archiveArn: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  readonly signingKeyArn: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:audit:AuditTrail', name, {}, opts);
    const names = auditTrailNames(args);
    const { accountId, region, tags, kmsKeyArn } = args;
    // Every part is named after the trail: it names its resources as the trail did (part.ts).
    const part = { parent: this };

    const accessLogs = new AccessLogBucket(
      name,
      {
        bucketName: names.accessLogBucketName,
        loggedBuckets: [
          { bucketName: names.auditBucketName, prefix: 'audit/' },
          { bucketName: names.trailBucketName, prefix: 'trail/' },
        ],
        retentionDays: args.auditRetentionDays,
        accountId,
        tags,
      },
      part,
    );
    const records = new RecordsBucket(
      name,
      {
        bucketName: names.auditBucketName,
        kmsKeyArn,
        retentionDays: args.auditRetentionDays,
        accessLogging: accessLogs.loggingFor('audit/'),
        tags,
      },
      part,
    );
    const stream = new DeliveryStream(
      name,
      {
        prefix: args.prefix,
        streamName: names.streamName,
        streamArn: names.streamArn,
        roleName: names.firehoseRoleName,
        logGroupName: names.firehoseLogGroupName,
        logRetentionDays: args.logRetentionDays,
        bucketArn: records.bucket.arn,
        bucketPolicy: records.policy,
        kmsKeyArn,
        accountId,
        region,
        tags,
      },
      part,
    );
    const rule = new RecordingRule(
      name,
      {
        ruleName: names.ruleName,
        ruleArn: names.ruleArn,
        eventBusName: args.eventBusName,
        streamArn: stream.arn,
        rule: args.recording.rule,
        deadLetterQueue: args.recording.deadLetterQueue,
        kmsKeyArn,
        accountId,
        tags,
      },
      part,
    );

    // Replay source; EventBridge archives every event on the bus by default (no pattern). One
    // resource, so it needs no part of its own.
    const archive = new aws.cloudwatch.EventArchive(
      `${name}-archive`,
      {
        name: names.archiveName,
        description: 'Every event on the project bus, for replay',
        eventSourceArn: args.eventBusArn,
        // 0 is EventBridge's "keep indefinitely".
        retentionDays: args.archiveRetentionDays,
        kmsKeyIdentifier: kmsKeyArn,
      },
      { parent: this },
    );

    const trail = new ApiCallTrail(
      name,
      {
        trailName: names.trailName,
        trailArn: names.trailArn,
        bucketName: names.trailBucketName,
        logGroupName: names.trailLogGroupName,
        logRetentionDays: args.logRetentionDays,
        retentionDays: args.auditRetentionDays,
        recordsBucketArn: records.bucket.arn,
        watchedBucketArns: [accessLogs.bucket.arn],
        accessLogging: accessLogs.loggingFor('trail/'),
        kmsKeyArn,
        accountId,
        tags,
      },
      part,
    );
    const signingKey = new DigestSigningKey(
      name,
      {
        prefix: args.prefix,
        aliasName: names.signingKeyAlias,
        signerRoleArn: args.signerRoleArn,
        accountId,
        tags,
      },
      part,
    );

    this.auditBucketName = records.bucket.bucket;
    this.auditBucketArn = records.bucket.arn;
    this.logBucketName = accessLogs.bucket.bucket;
    this.trailBucketName = trail.bucketName;
    this.trailArn = trail.arn;
    this.firehoseArn = stream.arn;
    this.archiveArn = archive.arn;
    this.deadLetterQueueArn = rule.deadLetterQueueArn;
    this.signingKeyArn = signingKey.arn;
    this.registerOutputs({
      auditBucketName: this.auditBucketName,
      auditBucketArn: this.auditBucketArn,
      logBucketName: this.logBucketName,
      trailArn: this.trailArn,
      firehoseArn: this.firehoseArn,
      archiveArn: this.archiveArn,
      signingKeyArn: this.signingKeyArn,
    });
  }
}
