/**
 * What the project key's policy must add so that alerts reach the encrypted alert topics. A
 * publisher to an SNS topic encrypted with a customer managed key needs `kms:GenerateDataKey*` and
 * `kms:Decrypt` on that key, and AWS services publish as their service principal
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
 * - CloudWatch, for this stack's alarms only (`aws:SourceArn`, `aws:SourceAccount`), and only into
 *   the two alert topics (SNS asks KMS with the topic's ARN as the encryption context);
 * - EventBridge, for the audit-tampering rule, into the critical topic only. EventBridge's calls to
 *   KMS for an SNS target carry no `aws:SourceArn`/`aws:SourceAccount`, so the topic (the
 *   encryption context) scopes it; the topic's own policy names the rule.
 * - CloudWatch Logs, for the topics' delivery-failure log groups, and no other.
 */
import * as pulumi from '@pulumi/pulumi';
import type { PolicyStatement } from '../../iam.ts';
import { KEY_USE_ACTIONS } from '../project-key.ts';
import {
  SEVERITIES,
  alertTopicArn,
  deliveryFailureLogGroupArn,
  type MonitoringPlace,
} from './names.ts';

/** What a publisher to an encrypted topic needs of the key. */
export const TOPIC_PUBLISH_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** The monitoring statements of the project key's policy. */
export function monitoringKeyPolicyStatements(place: MonitoringPlace): PolicyStatement[] {
  const topics = SEVERITIES.map((severity) => alertTopicArn(place, severity));
  return [
    {
      Sid: 'CloudWatchAlarmsPublishToTheAlertTopics',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: TOPIC_PUBLISH_KEY_ACTIONS,
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceAccount': place.accountId,
          'kms:EncryptionContext:aws:sns:topicArn': topics,
        },
        ArnLike: {
          'aws:SourceArn': pulumi.interpolate`arn:aws:cloudwatch:${place.region}:${place.accountId}:alarm:${place.prefix}-*`,
        },
      },
    },
    {
      Sid: 'EventBridgePublishesAuditTamperingToTheCriticalTopic',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: TOPIC_PUBLISH_KEY_ACTIONS,
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:aws:sns:topicArn': alertTopicArn(place, 'critical'),
        },
      },
    },
    {
      Sid: 'CloudWatchLogsEncryptsTheAlertDeliveryLogs',
      Effect: 'Allow',
      Principal: { Service: pulumi.interpolate`logs.${place.region}.amazonaws.com` },
      Action: KEY_USE_ACTIONS,
      Resource: '*',
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': SEVERITIES.map((severity) =>
            deliveryFailureLogGroupArn(place, severity),
          ),
        },
      },
    },
  ];
}
