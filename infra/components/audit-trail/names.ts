/**
 * The audit trail's names and ARNs, all derived from `<project>-<stack>`: the project key's policy
 * and the stack roles name them before any of the trail's resources exist.
 */
import * as pulumi from '@pulumi/pulumi';

type In<T> = pulumi.Input<T>;

/** Names and ARNs of the audit trail's resources, all derived from the prefix. */
export function auditTrailNames(args: {
  prefix: string;
  accountId: In<string>;
  region: In<string>;
  eventBusName: In<string>;
}) {
  const { prefix, accountId, region } = args;
  const streamName = `${prefix}-audit`;
  const trailName = `${prefix}-audit`;
  const ruleName = `${prefix}-audit`;
  const firehoseLogGroupName = `/aws/kinesisfirehose/${streamName}`;
  const trailLogGroupName = `/aws/cloudtrail/${trailName}`;
  const logGroupArn = (name: string) =>
    pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${name}`;
  return {
    // Bucket names are global: the account and Region make them unique (at most 63 characters
    // for a 24-character prefix and a 14-character Region).
    auditBucketName: pulumi.interpolate`${prefix}-audit-${accountId}-${region}`,
    trailBucketName: pulumi.interpolate`${prefix}-trail-${accountId}-${region}`,
    accessLogBucketName: pulumi.interpolate`${prefix}-s3-logs-${accountId}-${region}`,
    streamName,
    streamArn: pulumi.interpolate`arn:aws:firehose:${region}:${accountId}:deliverystream/${streamName}`,
    firehoseLogGroupName,
    firehoseLogGroupArn: logGroupArn(firehoseLogGroupName),
    // Known before it exists: the project key's policy names the role that writes the records.
    firehoseRoleName: `${streamName}-firehose`,
    trailName,
    trailArn: pulumi.interpolate`arn:aws:cloudtrail:${region}:${accountId}:trail/${trailName}`,
    trailLogGroupName,
    trailLogGroupArn: logGroupArn(trailLogGroupName),
    ruleName,
    ruleArn: pulumi.interpolate`arn:aws:events:${region}:${accountId}:rule/${args.eventBusName}/${ruleName}`,
    busArn: pulumi.interpolate`arn:aws:events:${region}:${accountId}:event-bus/${args.eventBusName}`,
    archiveName: `${prefix}-audit`,
    deadLetterQueueName: `${prefix}-audit-dlq`,
    signingKeyAlias: `alias/${prefix}-audit-signing`,
  };
}
