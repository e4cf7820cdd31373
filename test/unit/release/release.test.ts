/**
 * `npm run release` against stand-ins answering the real SDK clients (CodeDeploy, Lambda, Step
 * Functions, CloudWatch), on a virtual clock: canaries of minutes run in milliseconds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateJoinEvent, type JoinBlockEvent } from '../../../functions/join-block/join.ts';
import { PRE_TRAFFIC_REQUESTS } from '../../../shared/release.ts';
import { lambdaAppSpec } from '../../../scripts/lib/release/appspec.ts';
import { RELEASE_HELP, runRelease, type CommandDeps } from '../../../scripts/lib/release/run.ts';
import {
  APPLICATION,
  HOOK,
  PREFIX,
  PURCHASES_AT_RISK,
  ReleaseStandIns,
  STATE_MACHINE,
  STATE_MACHINE_FAILED,
  errorsAlarm,
  releaseTargets,
} from '../../support/release/stand-ins.ts';

let aws: ReleaseStandIns;
let stdout: string[];
let stderr: string[];
let outputsAsked: string[];
let targets: unknown;

const deps = (): CommandDeps => ({
  clients: () => aws.clients(),
  stackOutput: async (stack, name) => {
    outputsAsked.push(`${stack} ${name ?? '(all)'}`);
    return targets;
  },
  clock: aws.clock,
  stdout: (line) => stdout.push(line),
  stderr: (line) => stderr.push(line),
  pollMs: 15_000,
});

const release = (argv: readonly string[] = ['--stack', 'prod']) => runRelease(argv, deps());
const minutesSince = (start: number) => (aws.clock.now() - start) / 60_000;
const PLACE_ORDER = `${PREFIX}-place-order`;
const DECIDE = `${PREFIX}-decide`;
const ALIAS = `${STATE_MACHINE}:live`;
const route = (version: number, weight: number) => ({
  stateMachineVersionArn: `${STATE_MACHINE}:${version}`,
  weight,
});
/** In ALARM while version 4 of `functionName` takes any traffic: a canary that errors. */
const whileCanaryServes = (functionName: string) => () => {
  const alias = aws.lambda.alias(functionName, 'live');
  return alias?.weights['4'] === undefined ? ('OK' as const) : ('ALARM' as const);
};

beforeEach(async () => {
  aws = new ReleaseStandIns();
  await aws.start();
  aws.deployStack();
  stdout = [];
  stderr = [];
  outputsAsked = [];
  targets = releaseTargets();
});

afterEach(async () => {
  await aws.stop();
});

describe('npm run release', () => {
  it('shifts every function through CodeDeploy, then the state machine, and a second run does nothing', async () => {
    const start = aws.clock.now();
    expect(await release()).toEqual(0);
    expect(outputsAsked).toEqual(['prod release']);
    expect(stdout).toEqual([
      'place-order: live 3 -> 4 (d-000000001)',
      'decide: live 3 -> 4 (d-000000002)',
      `state machine: live ${STATE_MACHINE}:1 -> ${STATE_MACHINE}:2`,
    ]);
    expect(stderr).toEqual([
      'place-order: live 3 -> 4 through d-000000001 (CodeDeployDefault.LambdaCanary10Percent5Minutes)',
      'decide: live 3 -> 4 through d-000000002 (CodeDeployDefault.LambdaCanary10Percent5Minutes)',
      'place-order: d-000000001 InProgress, live on version 3',
      'decide: d-000000002 InProgress, live on version 3',
      'place-order: d-000000001 InProgress, live on version 3, 10% on version 4',
      'decide: d-000000002 InProgress, live on version 3, 10% on version 4',
      'place-order: d-000000001 Succeeded, live is on version 4',
      'decide: d-000000002 Succeeded, live is on version 4',
      'state machine: 10% of new executions on version 2, 90% on 1',
      `state machine: every new execution on version 2, watching ${PURCHASES_AT_RISK}, ${STATE_MACHINE_FAILED}`,
      'state machine: live is on version 2',
    ]);
    expect(aws.lambda.moves).toEqual([
      `${PLACE_ORDER}:live -> 3`,
      `${DECIDE}:live -> 3`,
      `${PLACE_ORDER}:live -> 3 + 0.1 on 4`,
      `${DECIDE}:live -> 3 + 0.1 on 4`,
      `${PLACE_ORDER}:live -> 4`,
      `${DECIDE}:live -> 4`,
    ]);
    // The hook exercised each new version before any traffic reached it.
    expect(
      aws.lambda.invocations
        .filter((each) => each.functionName !== HOOK)
        .map(({ functionName, version, type, event }) => ({ functionName, version, type, event })),
    ).toEqual([
      {
        functionName: PLACE_ORDER,
        version: '4',
        type: 'RequestResponse',
        event: PRE_TRAFFIC_REQUESTS['place-order'].event,
      },
      {
        functionName: DECIDE,
        version: '4',
        type: 'RequestResponse',
        event: PRE_TRAFFIC_REQUESTS.decide.event,
      },
    ]);
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 10), route(1, 90)],
      [route(2, 100)],
    ]);
    // Five minutes of function canary, five of state machine canary, five of watching after.
    expect(minutesSince(start)).toEqual(15);

    stdout = [];
    stderr = [];
    expect(await release()).toEqual(0);
    expect(stdout).toEqual([
      'place-order: unchanged, live on version 4',
      'decide: unchanged, live on version 4',
      `state machine: unchanged, live on ${STATE_MACHINE}:2`,
    ]);
    expect(aws.codeDeploy.deployments().map((each) => each.id)).toEqual([
      'd-000000001',
      'd-000000002',
    ]);
    expect(aws.sfn.history.get(ALIAS)).toHaveLength(3);
  });

  it('a canary that trips its alarm is rolled back, the state machine stays, and the command names the alarm', async () => {
    aws.cloudWatch.setAlarm(errorsAlarm('place-order'), {
      type: 'MetricAlarm',
      actions: [],
      state: whileCanaryServes(PLACE_ORDER),
    });
    expect(await release()).toEqual(1);
    const alarmed = `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${errorsAlarm('place-order')}>`;
    expect(stdout).toEqual([
      `place-order: FAILED d-000000001: Stopped: ALARM_ACTIVE: ${alarmed}; rolled back to version 3 by d-000000003`,
      'decide: live 3 -> 4 (d-000000002)',
      'state machine: not shifted, a function did not release',
    ]);
    expect(stderr.slice(-2)).toEqual([
      'decide: d-000000002 Succeeded, live is on version 4',
      'release failed: place-order (see above)',
    ]);
    expect(aws.lambda.moves.filter((move) => move.startsWith(PLACE_ORDER))).toEqual([
      `${PLACE_ORDER}:live -> 3`,
      `${PLACE_ORDER}:live -> 3 + 0.1 on 4`,
      `${PLACE_ORDER}:live -> 3`,
    ]);
    expect(aws.codeDeploy.deployments()).toEqual([
      { id: 'd-000000001', group: PLACE_ORDER, status: 'Stopped', creator: 'user' },
      { id: 'd-000000002', group: DECIDE, status: 'Succeeded', creator: 'user' },
      { id: 'd-000000003', group: PLACE_ORDER, status: 'Succeeded', creator: 'codeDeployRollback' },
    ]);
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it('a hook that finds the new version failing fails the deployment and no traffic shifts', async () => {
    aws.lambda.publish(DECIDE, '4', () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    expect(await release()).toEqual(1);
    expect(stdout).toEqual([
      'place-order: live 3 -> 4 (d-000000001)',
      `decide: FAILED d-000000002: Failed (pre-traffic hook ${HOOK}): HOOK_EXECUTION_FAILURE: The BeforeAllowTraffic hook ${HOOK} reported Failed; no traffic was shifted.; rolled back to version 3 by d-000000003`,
      'state machine: not shifted, a function did not release',
    ]);
    expect(aws.lambda.moves.filter((move) => move.startsWith(DECIDE))).toEqual([
      `${DECIDE}:live -> 3`,
      `${DECIDE}:live -> 3`,
    ]);
    expect(aws.lambda.alias(DECIDE, 'live')).toEqual({ functionVersion: '3', weights: {} });
  });

  it('rolls the state machine back to its previous version when an alarm fires during its canary', async () => {
    aws.cloudWatch.setAlarm(STATE_MACHINE_FAILED, {
      type: 'MetricAlarm',
      actions: [],
      state: () =>
        aws.sfn.routing(ALIAS)?.some((each) => each.stateMachineVersionArn.endsWith(':2'))
          ? 'ALARM'
          : 'OK',
    });
    const start = aws.clock.now();
    expect(await release()).toEqual(1);
    expect(stdout.at(-1)).toEqual(
      `state machine: ROLLED BACK to ${STATE_MACHINE}:1 at 10% on ${STATE_MACHINE}:2: ${STATE_MACHINE_FAILED} in ALARM`,
    );
    expect(stderr.slice(-2)).toEqual([
      `state machine: ${STATE_MACHINE_FAILED} in ALARM at 10%; live routed back to version 1`,
      'release failed: the state machine (see above)',
    ]);
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 10), route(1, 90)],
      [route(1, 100)],
    ]);
    // The functions' five minutes; the state machine's alarm is seen at once.
    expect(minutesSince(start)).toEqual(5);
  });

  it('shifts a linear state machine step by step and all at once on dev', async () => {
    targets = releaseTargets({
      deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce',
      stateMachine: { type: 'linear', percent: 40, intervalMinutes: 2 },
    });
    const start = aws.clock.now();
    expect(await release()).toEqual(0);
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 40), route(1, 60)],
      [route(2, 80), route(1, 20)],
      [route(2, 100)],
    ]);
    expect(aws.lambda.moves).toEqual([
      `${PLACE_ORDER}:live -> 3`,
      `${DECIDE}:live -> 3`,
      `${PLACE_ORDER}:live -> 4`,
      `${DECIDE}:live -> 4`,
    ]);
    // One poll for the hooks, then 2 minutes for each of the three steps.
    expect(minutesSince(start)).toEqual(6.25);
  });

  it('refuses to shift the state machine while one of its alarms is missing', async () => {
    targets = {
      ...releaseTargets(),
      stateMachine: { ...releaseTargets().stateMachine, alarms: [`${PREFIX}-no-such-alarm`] },
    };
    expect(await release()).toEqual(1);
    expect(stdout.at(-1)).toEqual(
      `state machine: FAILED: alarm(s) ${PREFIX}-no-such-alarm do not exist, so the shift could not be watched; nothing moved`,
    );
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it('waits for the deployment an interrupted release left in flight instead of starting a second one', async () => {
    const earlier = aws.codeDeploy.startDeployment(
      APPLICATION,
      PLACE_ORDER,
      lambdaAppSpec({
        functionName: PLACE_ORDER,
        alias: 'live',
        currentVersion: '3',
        targetVersion: '4',
        beforeAllowTraffic: HOOK,
      }),
    );
    expect(await release()).toEqual(0);
    expect(stderr[0]).toEqual(
      `place-order: deployment ${earlier} of an earlier release is still in flight on ${PLACE_ORDER}; waiting for it to end (one deployment per group)`,
    );
    expect(stdout.slice(0, 2)).toEqual([
      'place-order: unchanged, live on version 4',
      'decide: live 3 -> 4 (d-000000002)',
    ]);
    expect(aws.codeDeploy.deployments()).toEqual([
      { id: earlier, group: PLACE_ORDER, status: 'Succeeded', creator: 'user' },
      { id: 'd-000000002', group: DECIDE, status: 'Succeeded', creator: 'user' },
    ]);
  });

  it('restarts an interrupted state machine shift from the version that still has most traffic', async () => {
    aws.sfn.setAlias(ALIAS, [route(2, 10), route(1, 90)]);
    expect(await release()).toEqual(0);
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 10), route(1, 90)],
      [route(2, 10), route(1, 90)],
      [route(2, 100)],
    ]);
  });

  it('will not guess about an alias someone split by hand with no deployment in flight', async () => {
    aws.lambda.setAlias(DECIDE, 'live', '3', { '4': 0.5 });
    expect(await release()).toEqual(1);
    expect(stdout[1]).toEqual(
      `decide: FAILED (no deployment): live routes 50% to version 4 besides version 3, and no CodeDeploy deployment is in flight on ${DECIDE}: someone moved it by hand. Put it back on one version (aws lambda update-alias --function-name ${DECIDE} --name live --function-version 3 --routing-config AdditionalVersionWeights={}) and run the release again`,
    );
    expect(aws.codeDeploy.deployments().map((each) => each.group)).toEqual([PLACE_ORDER]);
  });

  it('reads the targets from a file with --targets', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'release-')), 'release.json');
    writeFileSync(
      file,
      JSON.stringify(releaseTargets({ deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce' })),
    );
    expect(await release(['--targets', file])).toEqual(0);
    expect(outputsAsked).toEqual([]);
    expect(aws.lambda.alias(PLACE_ORDER, 'live')).toEqual({ functionVersion: '4', weights: {} });
  });

  it.each([
    [[], 'give either --stack <stack> or --targets <file>'],
    [['--stack', 'prod', '--targets', 'x.json'], 'give either --stack <stack> or --targets <file>'],
    [['--stak', 'prod'], "Unknown option '--stak'"],
    [['--stack', 'prod', '--ignore-alarm', ''], '--ignore-alarm needs an alarm name'],
    [['--targets', '/nonexistent/release.json'], 'cannot read /nonexistent/release.json: ENOENT'],
  ])('refuses the arguments %j before calling anything', async (argv, message) => {
    expect(await release(argv)).toEqual(2);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]?.split('\n')[0]).toContain(message);
    expect(aws.codeDeploy.deployments()).toEqual([]);
  });

  it('refuses targets that are not the release output, naming the field', async () => {
    targets = { ...releaseTargets(), functions: [{ function: 'decide', version: '$LATEST' }] };
    expect(await release()).toEqual(2);
    expect(stderr).toEqual([
      'stack prod: release.functions[0].version must be a published version number, not $LATEST',
    ]);
  });
});

/** The alarm configuration a deployment was created with, as GetDeployment returns it. */
async function overrideOf(deploymentId: string): Promise<unknown> {
  const { codeDeploy } = aws.clients();
  try {
    const { deploymentInfo } = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }));
    return deploymentInfo?.overrideAlarmConfiguration;
  } finally {
    codeDeploy.destroy();
  }
}

const ignoring = (...names: string[]) => [
  '--stack',
  'prod',
  ...names.flatMap((name) => ['--ignore-alarm', name]),
];

describe("npm run release, aggregated mode's functions", () => {
  const JOIN_BLOCK = `${PREFIX}-join-block`;
  const BLOCK_WORKER = `${PREFIX}-block-worker`;

  beforeEach(async () => {
    await aws.stop();
    aws = new ReleaseStandIns();
    await aws.start();
    aws.deployStack(['join-block', 'block-worker']);
    targets = releaseTargets({ functions: ['join-block', 'block-worker'] });
  });

  it('shifts join-block and block-worker once the hook had each new version answer its harmless request', async () => {
    expect(await release()).toEqual(0);
    expect(stdout).toEqual([
      'join-block: live 3 -> 4 (d-000000001)',
      'block-worker: live 3 -> 4 (d-000000002)',
      `state machine: live ${STATE_MACHINE}:1 -> ${STATE_MACHINE}:2`,
    ]);
    expect(
      aws.lambda.invocations
        .filter((each) => each.functionName !== HOOK)
        .map(({ functionName, version, type, event }) => ({ functionName, version, type, event })),
    ).toEqual([
      {
        functionName: JOIN_BLOCK,
        version: '4',
        type: 'RequestResponse',
        event: { probe: 'pre-traffic' },
      },
      { functionName: BLOCK_WORKER, version: '4', type: 'RequestResponse', event: { Records: [] } },
    ]);
    expect(aws.lambda.alias(JOIN_BLOCK, 'live')).toEqual({ functionVersion: '4', weights: {} });
    expect(aws.lambda.alias(BLOCK_WORKER, 'live')).toEqual({ functionVersion: '4', weights: {} });
  });

  it('keeps a join-block that would take the probe for a slot, and a block worker that answers an empty batch with nothing, off live', async () => {
    // A join-block without the probe validates it as a slot (and would go on to send and write).
    aws.lambda.publish(JOIN_BLOCK, '4', (event) => validateJoinEvent(event as JoinBlockEvent));
    // The worker as it was before it answered an empty batch: no answer at all.
    aws.lambda.publish(BLOCK_WORKER, '4', () => undefined);
    expect(await release()).toEqual(1);
    expect(stdout).toEqual([
      `join-block: FAILED d-000000001: Failed (pre-traffic hook ${HOOK}): HOOK_EXECUTION_FAILURE: The BeforeAllowTraffic hook ${HOOK} reported Failed; no traffic was shifted.; rolled back to version 3 by d-000000003`,
      `block-worker: FAILED d-000000002: Failed (pre-traffic hook ${HOOK}): HOOK_EXECUTION_FAILURE: The BeforeAllowTraffic hook ${HOOK} reported Failed; no traffic was shifted.; rolled back to version 3 by d-000000004`,
      'state machine: not shifted, a function did not release',
    ]);
    expect(aws.lambda.alias(JOIN_BLOCK, 'live')).toEqual({ functionVersion: '3', weights: {} });
    expect(aws.lambda.alias(BLOCK_WORKER, 'live')).toEqual({ functionVersion: '3', weights: {} });
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });
});

describe('npm run release --ignore-alarm (releasing a fix during an incident)', () => {
  it('without the override, purchases-at-risk in ALARM stops and rolls back every function at once', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'ALARM',
    });
    expect(await release()).toEqual(1);
    const alarmed = `Stopped: ALARM_ACTIVE: One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${PURCHASES_AT_RISK}>`;
    expect(stdout).toEqual([
      `place-order: FAILED d-000000001: ${alarmed}; rolled back to version 3 by d-000000003`,
      `decide: FAILED d-000000002: ${alarmed}; rolled back to version 3 by d-000000004`,
      'state machine: not shifted, a function did not release',
    ]);
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it('shifts the functions and the state machine while the ignored alarm is in ALARM, watching the others, and records the override in each deployment', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'ALARM',
    });
    expect(await release(ignoring(PURCHASES_AT_RISK))).toEqual(0);
    expect(stdout).toEqual([
      'place-order: live 3 -> 4 (d-000000001)',
      'decide: live 3 -> 4 (d-000000002)',
      `state machine: live ${STATE_MACHINE}:1 -> ${STATE_MACHINE}:2`,
      `released with ${PURCHASES_AT_RISK} ignored`,
    ]);
    expect(stderr).toEqual([
      `OVERRIDE (--ignore-alarm): ${PURCHASES_AT_RISK} in ALARM now and IGNORED for this whole release; every other alarm stays watched`,
      `place-order: live 3 -> 4 through d-000000001 (CodeDeployDefault.LambdaCanary10Percent5Minutes, watching ${errorsAlarm('place-order')} only (${PURCHASES_AT_RISK} ignored))`,
      `decide: live 3 -> 4 through d-000000002 (CodeDeployDefault.LambdaCanary10Percent5Minutes, watching ${errorsAlarm('decide')} only (${PURCHASES_AT_RISK} ignored))`,
      'place-order: d-000000001 InProgress, live on version 3',
      'decide: d-000000002 InProgress, live on version 3',
      'place-order: d-000000001 InProgress, live on version 3, 10% on version 4',
      'decide: d-000000002 InProgress, live on version 3, 10% on version 4',
      'place-order: d-000000001 Succeeded, live is on version 4',
      'decide: d-000000002 Succeeded, live is on version 4',
      'state machine: 10% of new executions on version 2, 90% on 1',
      `state machine: every new execution on version 2, watching ${STATE_MACHINE_FAILED} (${PURCHASES_AT_RISK} ignored)`,
      'state machine: live is on version 2',
    ]);
    expect(await overrideOf('d-000000001')).toEqual({
      enabled: true,
      ignorePollAlarmFailure: false,
      alarms: [{ name: errorsAlarm('place-order') }],
    });
    expect(await overrideOf('d-000000002')).toEqual({
      enabled: true,
      ignorePollAlarmFailure: false,
      alarms: [{ name: errorsAlarm('decide') }],
    });
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 10), route(1, 90)],
      [route(2, 100)],
    ]);
  });

  it('still rolls back a canary whose own alarm fires while another is ignored', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'ALARM',
    });
    aws.cloudWatch.setAlarm(errorsAlarm('place-order'), {
      type: 'MetricAlarm',
      actions: [],
      state: whileCanaryServes(PLACE_ORDER),
    });
    expect(await release(ignoring(PURCHASES_AT_RISK))).toEqual(1);
    const alarmed = `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${errorsAlarm('place-order')}>`;
    expect(stdout).toEqual([
      `place-order: FAILED d-000000001: Stopped: ALARM_ACTIVE: ${alarmed}; rolled back to version 3 by d-000000003`,
      'decide: live 3 -> 4 (d-000000002)',
      'state machine: not shifted, a function did not release',
    ]);
    expect(stderr.at(-1)).toEqual(
      `release failed: place-order (see above); ${PURCHASES_AT_RISK} was ignored (--ignore-alarm)`,
    );
    expect(aws.lambda.alias(PLACE_ORDER, 'live')).toEqual({ functionVersion: '3', weights: {} });
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it('still routes the state machine back when one of its other alarms fires during its canary', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'ALARM',
    });
    aws.cloudWatch.setAlarm(STATE_MACHINE_FAILED, {
      type: 'MetricAlarm',
      actions: [],
      state: () =>
        aws.sfn.routing(ALIAS)?.some((each) => each.stateMachineVersionArn.endsWith(':2'))
          ? 'ALARM'
          : 'OK',
    });
    expect(await release(ignoring(PURCHASES_AT_RISK))).toEqual(1);
    expect(stdout.at(-1)).toEqual(
      `state machine: ROLLED BACK to ${STATE_MACHINE}:1 at 10% on ${STATE_MACHINE}:2: ${STATE_MACHINE_FAILED} in ALARM`,
    );
    expect(stderr.at(-1)).toEqual(
      `release failed: the state machine (see above); ${PURCHASES_AT_RISK} was ignored (--ignore-alarm)`,
    );
    expect(aws.sfn.history.get(ALIAS)).toEqual([
      [route(1, 100)],
      [route(2, 10), route(1, 90)],
      [route(1, 100)],
    ]);
  });

  it('without the override, an alarm of the state machine in ALARM keeps it from shifting', async () => {
    aws.cloudWatch.setAlarm(STATE_MACHINE_FAILED, {
      type: 'MetricAlarm',
      actions: [],
      state: 'ALARM',
    });
    expect(await release()).toEqual(1);
    expect(stdout.at(-1)).toEqual(
      `state machine: FAILED: alarm(s) ${STATE_MACHINE_FAILED} already in ALARM before the shift; nothing moved`,
    );
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it('lets the state machine shift past an alarm only it watches, leaving the groups their own alarms', async () => {
    aws.cloudWatch.setAlarm(STATE_MACHINE_FAILED, {
      type: 'MetricAlarm',
      actions: [],
      state: 'ALARM',
    });
    expect(await release(ignoring(STATE_MACHINE_FAILED))).toEqual(0);
    expect(stdout).toEqual([
      'place-order: live 3 -> 4 (d-000000001)',
      'decide: live 3 -> 4 (d-000000002)',
      `state machine: live ${STATE_MACHINE}:1 -> ${STATE_MACHINE}:2`,
      `released with ${STATE_MACHINE_FAILED} ignored`,
    ]);
    expect(stderr.slice(1, 3)).toEqual([
      'place-order: live 3 -> 4 through d-000000001 (CodeDeployDefault.LambdaCanary10Percent5Minutes)',
      'decide: live 3 -> 4 through d-000000002 (CodeDeployDefault.LambdaCanary10Percent5Minutes)',
    ]);
    expect(stderr.at(-2)).toEqual(
      `state machine: every new execution on version 2, watching ${PURCHASES_AT_RISK} (${STATE_MACHINE_FAILED} ignored)`,
    );
    expect(await overrideOf('d-000000001')).toEqual(undefined);
    expect(await overrideOf('d-000000002')).toEqual(undefined);
  });

  it('refuses, naming each, an alarm that is OK, one that does not exist and one nothing released watches, and moves nothing', async () => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, {
      type: 'CompositeAlarm',
      actions: [],
      state: 'ALARM',
    });
    aws.cloudWatch.setAlarm(`${PREFIX}-api-5xx`, {
      type: 'MetricAlarm',
      actions: [],
      state: 'ALARM',
    });
    expect(
      await release(
        ignoring(
          PURCHASES_AT_RISK,
          errorsAlarm('decide'),
          `${PREFIX}-no-such-alarm`,
          `${PREFIX}-api-5xx`,
        ),
      ),
    ).toEqual(2);
    expect(stderr).toEqual([
      [
        '--ignore-alarm refused, nothing was released:',
        `  ${errorsAlarm('decide')}: OK, not in ALARM; only an alarm already in ALARM when the release starts may be ignored`,
        `  ${PREFIX}-no-such-alarm: no such alarm`,
        `  ${PREFIX}-api-5xx: neither a released function's deployment group nor the state machine watches it, so there is nothing to ignore`,
      ].join('\n'),
    ]);
    expect(stdout).toEqual([]);
    expect(aws.codeDeploy.deployments()).toEqual([]);
    expect(aws.lambda.moves).toEqual([`${PLACE_ORDER}:live -> 3`, `${DECIDE}:live -> 3`]);
    expect(aws.sfn.history.get(ALIAS)).toEqual([[route(1, 100)]]);
  });

  it.each([
    [
      'OK',
      'OK, not in ALARM; only an alarm already in ALARM when the release starts may be ignored',
    ],
    [
      'INSUFFICIENT_DATA',
      'INSUFFICIENT_DATA, not in ALARM; only an alarm already in ALARM when the release starts may be ignored',
    ],
  ] as const)('refuses to ignore a watched alarm that is %s', async (state, why) => {
    aws.cloudWatch.setAlarm(PURCHASES_AT_RISK, { type: 'CompositeAlarm', actions: [], state });
    expect(await release(ignoring(PURCHASES_AT_RISK))).toEqual(2);
    expect(stderr).toEqual([
      `--ignore-alarm refused, nothing was released:\n  ${PURCHASES_AT_RISK}: ${why}`,
    ]);
    expect(aws.codeDeploy.deployments()).toEqual([]);
  });

  it('documents the override in --help', async () => {
    expect(await release(['--help'])).toEqual(0);
    expect(stdout).toEqual([RELEASE_HELP]);
    const lines = RELEASE_HELP.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'npm run release -- --stack <stack> [--ignore-alarm <alarm name>]...',
      'npm run release -- --targets <release.json> [--ignore-alarm <alarm name>]...',
    ]);
    expect(lines.slice(lines.findIndex((line) => line.startsWith('--ignore-alarm')))).toEqual([
      "--ignore-alarm  an operator's override during an incident, never the pipeline's: release while",
      '                this alarm is in ALARM, watching every other alarm. Refused (exit 2, nothing',
      "                released) unless the alarm is in ALARM now and a released function's deployment",
      '                group or the state machine watches it. Ignored for the whole run; each CodeDeploy',
      '                deployment records it (overrideAlarmConfiguration). Repeat for another alarm.',
    ]);
  });
});
