/**
 * Which of a set of CloudWatch alarms are in ALARM. Composite alarms count: DescribeAlarms leaves
 * them out unless `AlarmTypes` asks for them, and `purchases-at-risk` is one.
 *
 * An alarm that does not exist is reported as missing rather than read as OK: CloudWatch treats a
 * nonexistent alarm as never firing, so watching one would be watching nothing.
 */
import {
  DescribeAlarmsCommand,
  type CloudWatchClient,
  type DescribeAlarmsCommandInput,
} from '@aws-sdk/client-cloudwatch';

export interface AlarmStates {
  /** Names in ALARM, in the order asked. */
  readonly firing: readonly string[];
  /** Names CloudWatch does not know. */
  readonly missing: readonly string[];
}

/** Every alarm DescribeAlarms returns for `input` (all pages), name to state. */
export async function describeAlarms(
  cloudWatch: CloudWatchClient,
  input: DescribeAlarmsCommandInput,
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new DescribeAlarmsCommand({
        ...input,
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
        NextToken,
      }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (alarm.AlarmName !== undefined) states.set(alarm.AlarmName, alarm.StateValue ?? '');
    }
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return states;
}

/** The state of each of `names` that exists (DescribeAlarms takes 100 names a call). */
export async function alarmStateValues(
  cloudWatch: CloudWatchClient,
  names: readonly string[],
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (let index = 0; index < names.length; index += 100) {
    const page = await describeAlarms(cloudWatch, { AlarmNames: names.slice(index, index + 100) });
    for (const [name, state] of page) states.set(name, state);
  }
  return states;
}

/** The states of `names`. */
export async function alarmStates(
  cloudWatch: CloudWatchClient,
  names: readonly string[],
): Promise<AlarmStates> {
  const states = await alarmStateValues(cloudWatch, names);
  return {
    firing: names.filter((name) => states.get(name) === 'ALARM'),
    missing: names.filter((name) => !states.has(name)),
  };
}
