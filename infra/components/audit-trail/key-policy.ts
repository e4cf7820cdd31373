/**
 * What the project key's policy must grant the AWS services that write the audit trail.
 */
import * as pulumi from '@pulumi/pulumi';
import type { PolicyStatement } from '../../iam.ts';
import { auditTrailNames } from './names.ts';

type In<T> = pulumi.Input<T>;

/**
 * What the project key's policy must add for the audit trail's services (the Firehose role's use
 * of the key through S3 is among the stack roles' statements, by its name `firehoseRoleName`):
 * - CloudTrail encrypts this trail's log and digest files
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html);
 * - CloudWatch Logs encrypts the stream's and the trail's log groups, and no other;
 * - EventBridge describes the key and re-encrypts for the bus's archive
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html);
 * - EventBridge sends to the rule's encrypted dead-letter queue
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 */
export function auditKeyPolicyStatements(args: {
  prefix: string;
  accountId: In<string>;
  region: In<string>;
  eventBusName: In<string>;
}): PolicyStatement[] {
  const names = auditTrailNames(args);
  return [
    {
      Sid: 'CloudTrailDescribesKeyForTheAuditTrail',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': names.trailArn } },
    },
    {
      Sid: 'CloudTrailEncryptsTheAuditTrailsLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceArn': names.trailArn,
          'kms:EncryptionContext:aws:cloudtrail:arn': names.trailArn,
        },
      },
    },
    {
      Sid: 'CloudWatchLogsEncryptsTheAuditLogGroups',
      Effect: 'Allow',
      Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
      Action: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': [names.firehoseLogGroupArn, names.trailLogGroupArn],
        },
      },
    },
    {
      Sid: 'EventBridgeDescribesKeyForTheArchive',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
    },
    {
      Sid: 'EventBridgeArchivesTheProjectBus',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceAccount': args.accountId,
          'kms:EncryptionContext:aws:events:event-bus:arn': names.busArn,
        },
      },
    },
    {
      Sid: 'EventBridgeSendsToTheAuditDeadLetterQueue',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': names.ruleArn } },
    },
  ];
}
