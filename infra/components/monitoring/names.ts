/**
 * The monitoring resources' names and ARNs, all derived from `<project>-<stack>`: the project
 * key's policy names the alert topics (and the alarms that publish to them) before any exists.
 */
import * as pulumi from '@pulumi/pulumi';
import type { Severity } from '#shared/monitoring/alarms.ts';

type In<T> = pulumi.Input<T>;

/** Where the monitoring resources live. */
export interface MonitoringPlace {
  readonly prefix: string;
  readonly accountId: In<string>;
  readonly region: In<string>;
}

/** The topic alerts of a severity go to: `<prefix>-alerts-critical`, `<prefix>-alerts-warning`. */
export function alertTopicName(prefix: string, severity: Severity): string {
  return `${prefix}-alerts-${severity}`;
}

export function alertTopicArn(place: MonitoringPlace, severity: Severity): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:sns:${place.region}:${place.accountId}:${alertTopicName(place.prefix, severity)}`;
}

/** A CloudWatch alarm's ARN (metric and composite alike), from its name. */
export function alarmArn(place: MonitoringPlace, alarmName: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:cloudwatch:${place.region}:${place.accountId}:alarm:${alarmName}`;
}

/**
 * The log group SNS writes a topic's failed deliveries to (delivery status logging names it
 * `sns/<region>/<account>/<topic>/Failure`; the topics' component creates it, encrypted).
 * https://docs.aws.amazon.com/sns/latest/dg/topics-attrib.html
 */
export function deliveryFailureLogGroupName(
  place: MonitoringPlace,
  severity: Severity,
): pulumi.Output<string> {
  return pulumi.interpolate`sns/${place.region}/${place.accountId}/${alertTopicName(place.prefix, severity)}/Failure`;
}

export function deliveryFailureLogGroupArn(
  place: MonitoringPlace,
  severity: Severity,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:logs:${place.region}:${place.accountId}:log-group:${deliveryFailureLogGroupName(place, severity)}`;
}

/** The rule (on the account's default bus) that pages on attempts at the audit buckets. */
export function auditTamperingRuleArn(
  place: MonitoringPlace,
  ruleName: string,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:events:${place.region}:${place.accountId}:rule/${ruleName}`;
}

export const SEVERITIES: readonly Severity[] = ['critical', 'warning'];
