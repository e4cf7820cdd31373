/** `npm run smoke` against the release stand-ins: passes on a released stack, names each fault. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSmoke, type CommandDeps } from '../../../scripts/lib/release/run.ts';
import {
  CRITICAL_TOPIC,
  PREFIX,
  PURCHASES_AT_RISK,
  ReleaseStandIns,
  STATE_MACHINE,
  errorsAlarm,
  releaseTargets,
} from '../../support/release/stand-ins.ts';

let aws: ReleaseStandIns;
let stdout: string[];
let stderr: string[];
let outputs: Record<string, unknown>;
let asked: string[];

const smoke = (argv: readonly string[] = ['--stack', 'prod']) =>
  runSmoke(argv, {
    clients: () => aws.clients(),
    stackOutput: async (stack, name) => {
      asked.push(`${stack} ${name ?? '(all)'}`);
      return outputs;
    },
    clock: aws.clock,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  } satisfies CommandDeps);

const ALIAS = `${STATE_MACHINE}:live`;
const PLACE_ORDER = `${PREFIX}-place-order`;

beforeEach(async () => {
  aws = new ReleaseStandIns();
  await aws.start();
  aws.deployStack();
  // The stack as a clean release leaves it.
  for (const fn of ['place-order', 'decide']) aws.lambda.setAlias(`${PREFIX}-${fn}`, 'live', '4');
  aws.sfn.setAlias(ALIAS, [{ stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 100 }]);
  stdout = [];
  stderr = [];
  asked = [];
  outputs = {
    release: releaseTargets(),
    graphqlUrl: aws.graphqlUrl,
    criticalAlertTopicArn: CRITICAL_TOPIC,
    userPoolId: 'eu-central-1_abc',
  };
});

afterEach(async () => {
  await aws.stop();
});

describe('npm run smoke', () => {
  it('passes on a stack that is on its release, quiet, and refusing anonymous callers', async () => {
    expect(await smoke()).toEqual(0);
    expect(asked).toEqual(['prod (all)']);
    expect(stdout).toEqual(['smoke: the stack is on its release and healthy']);
    expect(stderr).toEqual([]);
  });

  it('fails when a live alias is on another version', async () => {
    aws.lambda.setAlias(PLACE_ORDER, 'live', '3');
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual(['smoke: place-order: live is on version 3, not 4']);
  });

  it('fails when a live alias still routes part of the traffic elsewhere', async () => {
    aws.lambda.setAlias(PLACE_ORDER, 'live', '4', { '3': 0.1 });
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual(['smoke: place-order: live still routes 10% to version 3']);
  });

  it('fails when the state machine alias is split between versions', async () => {
    aws.sfn.setAlias(ALIAS, [
      { stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 90 },
      { stateMachineVersionArn: `${STATE_MACHINE}:1`, weight: 10 },
    ]);
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual([
      `smoke: state machine: live routes 90% to ${STATE_MACHINE}:2, 10% to ${STATE_MACHINE}:1, not 100% to ${STATE_MACHINE}:2`,
    ]);
  });

  it('fails when purchases-at-risk or another critical alarm is in ALARM', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [CRITICAL_TOPIC],
      state: 'ALARM',
    });
    aws.cloudWatch.setAlarm(errorsAlarm('decide'), {
      type: 'MetricAlarm',
      actions: [CRITICAL_TOPIC],
      state: 'ALARM',
    });
    // A warning (another topic) in ALARM does not stop a promotion.
    aws.cloudWatch.setAlarm(`${PREFIX}-queue-notifications-age`, {
      type: 'MetricAlarm',
      actions: [CRITICAL_TOPIC.replace('critical', 'warning')],
      state: 'ALARM',
    });
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual([
      `smoke: alarm ${errorsAlarm('decide')} is in ALARM`,
      `smoke: alarm ${PURCHASES_AT_RISK} is in ALARM`,
    ]);
  });

  it('fails when the critical alarms are not deployed at all', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'OK',
    });
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual([
      `smoke: no critical alarm named *-purchases-at-risk notifies ${CRITICAL_TOPIC}: the stack's monitoring is missing`,
    ]);
  });

  it('fails when the GraphQL endpoint answers an anonymous caller', async () => {
    aws.graphqlStatus = 200;
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual([
      `smoke: GraphQL endpoint ${aws.graphqlUrl} answered an anonymous request with 200, not 401`,
    ]);
  });

  it('fails when the GraphQL endpoint does not answer', async () => {
    outputs = { ...outputs, graphqlUrl: 'http://127.0.0.1:9/graphql' };
    expect(await smoke()).toEqual(1);
    expect(stderr).toEqual([
      'smoke: GraphQL endpoint http://127.0.0.1:9/graphql did not answer: fetch failed',
    ]);
  });

  it.each([
    [[], 'give either --stack <stack> or --outputs <file>'],
    [['--outputs', '/nonexistent/outputs.json'], 'cannot read /nonexistent/outputs.json: ENOENT'],
    [['--stack', 'prod', '--outputs', 'x.json'], 'give either --stack <stack> or --outputs <file>'],
  ])('refuses the arguments %j', async (argv, message) => {
    expect(await smoke(argv)).toEqual(2);
    expect(stderr[0]?.split('\n')[0]).toContain(message);
  });

  it('refuses outputs without the GraphQL endpoint', async () => {
    delete outputs.graphqlUrl;
    expect(await smoke()).toEqual(2);
    expect(stderr).toEqual(['stack prod: graphqlUrl must be a non-empty string']);
  });
});
