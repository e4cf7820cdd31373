/**
 * Monitoring, one component per concern, each built from the catalog in `shared/monitoring/`:
 * - {@link AlertTopics}: the critical and warning topics and their subscriptions;
 * - {@link Alarms}: every metric and composite alarm of `alarmCatalog(...)`;
 * - {@link LogMetrics}: the metrics only the logs hold (events not published, GraphQL errors);
 * - {@link EmailReputation}: SES reputation metrics and suppression for the notification email;
 * - {@link AuditTamperingRule}: attempts on the audit buckets page at once;
 * - {@link Dashboards}: the overview and one dashboard per context.
 * The project key's statements they need: {@link monitoringKeyPolicyStatements}.
 */
import type { AlarmDefinition, Severity } from '#shared/monitoring/alarms.ts';

export { AlertTopics } from './alert-topics.ts';
export { Alarms } from './alarms.ts';
export { AuditTamperingRule } from './audit-tampering.ts';
export { Dashboards } from './dashboards.ts';
export { EmailReputation } from './email-reputation.ts';
export { LogMetrics } from './log-metrics.ts';
export { monitoringKeyPolicyStatements } from './key-policy.ts';
export { auditTamperingRuleArn, type MonitoringPlace } from './names.ts';

/** The physical names of the catalog's alarms (metric and composite), by severity. */
export function alarmNamesBySeverity(
  catalog: readonly AlarmDefinition[],
): Record<Severity, string[]> {
  const names: Record<Severity, string[]> = { critical: [], warning: [] };
  for (const alarm of catalog) names[alarm.severity].push(alarm.name);
  return names;
}
