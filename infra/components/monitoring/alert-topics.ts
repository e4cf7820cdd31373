/**
 * Where alerts go: two SNS topics, critical (pages someone) and warning (the team's queue of things
 * to look at), encrypted with the project key (`key-policy.ts` lets the publishers use it). Each
 * topic's policy lets only this stack's alarms of its severity publish (by ARN), and the critical
 * one the audit-tampering rule too. Subscriptions come from the stack config
 * (`monitoring.alerts`): every email address on both topics, the pager's HTTPS endpoint on the
 * critical one. Failed deliveries are logged (SNS delivery status logging) into encrypted log
 * groups, so a pager that stopped answering is visible.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Severity } from '#shared/monitoring/alarms.ts';
import type { AlertSubscriptions } from '#shared/monitoring/settings.ts';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../../iam.ts';
import {
  SEVERITIES,
  alarmArn,
  alertTopicArn,
  alertTopicName,
  deliveryFailureLogGroupArn,
  deliveryFailureLogGroupName,
  type MonitoringPlace,
} from './names.ts';

type In<T> = pulumi.Input<T>;

export interface AlertTopicsArgs extends MonitoringPlace {
  readonly kmsKeyArn: In<string>;
  readonly alerts: AlertSubscriptions;
  /** The physical names of the alarms (metric and composite) that publish to each topic. */
  readonly alarmNames: Readonly<Record<Severity, readonly string[]>>;
  /** The bus rule that publishes attempts on the audit buckets to the critical topic. */
  readonly auditTamperingRuleArn: In<string>;
  readonly logRetentionDays: number;
  readonly tags: In<Record<string, In<string>>>;
}

/** The statements of a topic's policy. */
export function alertTopicPolicyStatements(
  args: Omit<AlertTopicsArgs, 'kmsKeyArn' | 'alerts' | 'logRetentionDays' | 'tags'>,
  severity: Severity,
): PolicyStatement[] {
  const topic = alertTopicArn(args, severity);
  const statements: PolicyStatement[] = [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: topic,
      Condition: { Bool: { 'aws:SecureTransport': false } },
    },
    {
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
      Sid: 'TheStacksAlarmsPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topic,
      Condition: {
        StringEquals: { 'aws:SourceAccount': args.accountId },
        ArnEquals: {
          'aws:SourceArn': args.alarmNames[severity].map((name) => alarmArn(args, name)),
        },
      },
    },
  ];
  if (severity === 'critical') {
    statements.push({
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
      Sid: 'TheAuditTamperingRulePublishes',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topic,
      Condition: {
        StringEquals: { 'aws:SourceAccount': args.accountId },
        ArnEquals: { 'aws:SourceArn': args.auditTamperingRuleArn },
      },
    });
  }
  return statements;
}

/** The two alert topics (type `savings:monitoring:AlertTopics`). */
export class AlertTopics extends pulumi.ComponentResource {
  readonly topics: Readonly<Record<Severity, aws.sns.Topic>>;
  readonly arns: Readonly<Record<Severity, pulumi.Output<string>>>;

  constructor(name: string, args: AlertTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:AlertTopics', name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;

    // SNS writes failed deliveries into `sns/<region>/<account>/<topic>/Failure` as this role.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html
    const logGroups = SEVERITIES.map(
      (severity) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${severity}-delivery-failures`,
          {
            name: deliveryFailureLogGroupName(args, severity),
            retentionInDays: args.logRetentionDays,
            kmsKeyId: args.kmsKeyArn,
            tags,
          },
          parent,
        ),
    );
    const role = new aws.iam.Role(
      `${name}-delivery-logs-role`,
      {
        name: `${args.prefix}-alerts-delivery-logs`,
        description: 'SNS logs failed deliveries of the alert topics',
        assumeRolePolicy: serviceTrustPolicy(
          'sns.amazonaws.com',
          args.accountId,
          pulumi.interpolate`arn:aws:sns:${args.region}:${args.accountId}:${args.prefix}-alerts-*`,
        ),
        tags,
      },
      parent,
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-delivery-logs-policy`,
      {
        role: role.id,
        policy: policyJson([
          {
            Sid: 'WriteTheDeliveryFailureLogGroups',
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: SEVERITIES.flatMap((severity) => [
              deliveryFailureLogGroupArn(args, severity),
              pulumi.interpolate`${deliveryFailureLogGroupArn(args, severity)}:log-stream:*`,
            ]),
          },
        ]),
      },
      parent,
    );

    const topic = (severity: Severity) =>
      new aws.sns.Topic(
        `${name}-${severity}`,
        {
          name: alertTopicName(args.prefix, severity),
          kmsMasterKeyId: args.kmsKeyArn,
          policy: policyJson(alertTopicPolicyStatements(args, severity)),
          httpFailureFeedbackRoleArn: role.arn,
          tags,
        },
        { parent: this, dependsOn: [rolePolicy, ...logGroups] },
      );
    this.topics = { critical: topic('critical'), warning: topic('warning') };
    this.arns = { critical: this.topics.critical.arn, warning: this.topics.warning.arn };

    // SNS asks each address to confirm; until then nothing is delivered to it.
    for (const severity of SEVERITIES) {
      for (const email of args.alerts.emails) {
        new aws.sns.TopicSubscription(
          `${name}-${severity}-email-${email}`,
          { topic: this.arns[severity], protocol: 'email', endpoint: email },
          parent,
        );
      }
    }
    if (args.alerts.pagerUrl !== null) {
      new aws.sns.TopicSubscription(
        `${name}-critical-pager`,
        { topic: this.arns.critical, protocol: 'https', endpoint: args.alerts.pagerUrl },
        parent,
      );
    }
    this.registerOutputs({
      criticalTopicArn: this.arns.critical,
      warningTopicArn: this.arns.warning,
    });
  }
}
