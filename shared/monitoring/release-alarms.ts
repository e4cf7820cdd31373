/**
 * The alarms that roll a release back: CodeDeploy stops and rolls back a function's deployment
 * when one of its group's alarms is in ALARM, and the release step does the same for the state
 * machine's alias. Picked from the catalog (`alarms.ts`), so a renamed alarm fails here rather
 * than leaving a release unwatched.
 */
import type { FunctionName } from '../functions.ts';
import type { AlarmDefinition } from './alarms.ts';

/**
 * CodeDeploy accepts at most ten alarms per deployment group.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html
 */
export const CODEDEPLOY_MAX_ALARMS = 10;

/**
 * The purchase alarms every function release watches besides the function's own: the members of
 * `purchases-at-risk` that can fire within a minute of a bad version (one 60-second datapoint)
 * and that a release can cause. CodeDeploy documents metric alarms only (it reads them with
 * DescribeAlarms, which leaves composite alarms out unless asked for them), so the composite is
 * not given to it, and its members do not all fit in the ten alarms a group takes. Left out:
 * `scheduler-invocations-dropped` (every schedule has a dead-letter queue, so a dropped delivery
 * is already `queue-plans-dlq-dead-letters`), `business-breaker-open` (the exchange's health, not
 * the release's: it would roll back a good version during an exchange outage),
 * `business-reconciliation-breaks` (yesterday's orders), and the alarms whose window is longer
 * than a canary interval (queue age, slots not final, failed slot share, the SLO's burn).
 */
export const PURCHASE_RELEASE_ALARMS = [
  'purchase-executions-failed',
  'purchase-executions-timed-out',
  'business-overspend',
  'business-missed-runs',
  'queue-purchase-retries-dlq-dead-letters',
  'queue-plans-dlq-dead-letters',
  'queue-plan-stream-failures-dlq-dead-letters',
] as const;

/** The alarms of the state machine's alias: purchases at risk, and the workflow's own failures. */
export const STATE_MACHINE_RELEASE_ALARMS = [
  'purchases-at-risk',
  'purchase-executions-failed',
  'purchase-executions-timed-out',
] as const;

/** Thrown when the catalog lacks an alarm a release must watch. */
export class ReleaseAlarmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseAlarmError';
  }
}

function names(catalog: readonly AlarmDefinition[], keys: readonly string[]): string[] {
  return keys.map((key) => {
    const alarm = catalog.find((each) => each.key === key);
    if (alarm === undefined) {
      throw new ReleaseAlarmError(`a release watches the alarm ${key}, which the catalog lacks`);
    }
    return alarm.name;
  });
}

/**
 * The alarm names of a function's deployment group: its errors, throttles and duration, then the
 * purchase alarms ({@link PURCHASE_RELEASE_ALARMS}).
 */
export function functionReleaseAlarms(
  catalog: readonly AlarmDefinition[],
  name: FunctionName,
): string[] {
  const alarms = names(catalog, [
    `lambda-${name}-errors`,
    `lambda-${name}-throttles`,
    `lambda-${name}-duration`,
    ...PURCHASE_RELEASE_ALARMS,
  ]);
  if (alarms.length > CODEDEPLOY_MAX_ALARMS) {
    throw new ReleaseAlarmError(
      `${name}: ${alarms.length} alarms, CodeDeploy takes ${CODEDEPLOY_MAX_ALARMS} per group`,
    );
  }
  return alarms;
}

/** The alarm names whose ALARM state rolls the state machine's alias back (the release step reads composites too). */
export function stateMachineReleaseAlarms(catalog: readonly AlarmDefinition[]): string[] {
  return names(catalog, STATE_MACHINE_RELEASE_ALARMS);
}
