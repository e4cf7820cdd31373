/**
 * CloudWatch's DescribeAlarms, as the real `@aws-sdk/client-cloudwatch` speaks it (AWS JSON 1.0,
 * `x-amz-target: GraniteServiceVersion20100801.DescribeAlarms`, query-compatible errors), over
 * alarms a test declares. An alarm's state may be a function, read at each call: "in ALARM while
 * the new version takes traffic" is how a test makes a canary trip an alarm.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
import type { Handler } from '../../../local/http.ts';
import { AwsJsonProtocol, FieldReader, type JsonObject } from '../../../local/services/aws-json.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface StandInAlarm {
  readonly type: 'MetricAlarm' | 'CompositeAlarm';
  /** Topic ARNs notified (DescribeAlarms' ActionPrefix filters on them). */
  readonly actions: readonly string[];
  readonly state: AlarmState | (() => AlarmState);
}

const PROTOCOL = new AwsJsonProtocol({
  service: 'CloudWatch',
  targetPrefix: 'GraniteServiceVersion20100801',
  version: '1.0',
  namespace: 'com.amazonaws.cloudwatch',
  queryCompatible: true,
});

export class CloudWatchStandIn {
  readonly handler: Handler;
  readonly #alarms = new Map<string, StandInAlarm>();
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => number;

  constructor(options: { region: string; accountId: string; now: () => number }) {
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#now = options.now;
    this.handler = PROTOCOL.handler({
      operations: { DescribeAlarms: (input) => this.#describe(input) },
      notImplemented: ['PutMetricAlarm', 'SetAlarmState', 'GetMetricData', 'PutMetricData'],
    });
  }

  /** Declares (or replaces) an alarm. */
  setAlarm(name: string, alarm: StandInAlarm): void {
    this.#alarms.set(name, alarm);
  }

  /** The alarm's state now, or undefined when it does not exist. */
  state(name: string): AlarmState | undefined {
    const alarm = this.#alarms.get(name);
    if (alarm === undefined) return undefined;
    return typeof alarm.state === 'function' ? alarm.state() : alarm.state;
  }

  #describe(input: JsonObject): JsonObject {
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const names = fields.stringList('AlarmNames', { max: 100 });
    const prefix = fields.string('AlarmNamePrefix', { min: 1, max: 255 });
    const actionPrefix = fields.string('ActionPrefix', { min: 1, max: 1024 });
    const stateValue = fields.enum('StateValue', ['OK', 'ALARM', 'INSUFFICIENT_DATA']);
    const types = fields.stringList('AlarmTypes') ?? ['MetricAlarm'];
    const max = fields.integer('MaxRecords', { min: 1, max: 100 }) ?? 50;
    const token = fields.string('NextToken');
    if (names !== undefined && prefix !== undefined) {
      throw PROTOCOL.error(
        'InvalidParameterCombinationException',
        'AlarmNames and AlarmNamePrefix cannot be used together.',
        { queryCode: 'InvalidParameterCombination' },
      );
    }
    const start = token === undefined ? 0 : Number(token);
    if (!Number.isInteger(start) || start < 0) {
      throw PROTOCOL.error('InvalidNextToken', 'The service cannot parse the NextToken.', {
        queryCode: 'InvalidNextToken',
      });
    }
    const matching = [...this.#alarms.keys()]
      .sort()
      .filter((name) => names === undefined || names.includes(name))
      .filter((name) => prefix === undefined || name.startsWith(prefix))
      .map((name) => ({ name, alarm: this.#alarms.get(name) as StandInAlarm }))
      .filter(({ alarm }) => types.includes(alarm.type))
      .filter(
        ({ alarm }) =>
          actionPrefix === undefined || alarm.actions.some((arn) => arn.startsWith(actionPrefix)),
      )
      .map(({ name, alarm }) => ({ name, alarm, state: this.state(name) as AlarmState }))
      .filter(({ state }) => stateValue === undefined || state === stateValue);
    const page = matching.slice(start, start + max);
    const view = ({ name, alarm, state }: (typeof page)[number]) => ({
      AlarmName: name,
      AlarmArn: `arn:aws:cloudwatch:${this.#region}:${this.#accountId}:alarm:${name}`,
      ActionsEnabled: true,
      AlarmActions: [...alarm.actions],
      OKActions: [...alarm.actions],
      StateValue: state,
      StateReason: state === 'ALARM' ? 'Threshold Crossed (stand-in)' : 'Stand-in state',
      StateUpdatedTimestamp: this.#now() / 1000,
    });
    return {
      MetricAlarms: page.filter(({ alarm }) => alarm.type === 'MetricAlarm').map(view),
      CompositeAlarms: page.filter(({ alarm }) => alarm.type === 'CompositeAlarm').map(view),
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  }
}
