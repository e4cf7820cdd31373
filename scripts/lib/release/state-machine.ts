/**
 * The state machine's half of a release. Step Functions has no CodeDeploy integration, so the
 * release step does what CloudFormation's alias `DeploymentPreference` would: it moves the alias's
 * routing (two versions, weights summing to 100) step by step as the stack's `release.stateMachine`
 * says, watches the named alarms while each step holds and for `intervalMinutes` after the last,
 * and routes everything back to the previous version when one fires.
 *
 * It runs after the functions (see `scripts/lib/release/run.ts`): a new workflow may call what only
 * the new function versions do, never the other way round.
 *
 * An interrupted earlier shift leaves the alias on two versions; the release starts again from the
 * version other than the target that has the most traffic, so it always ends on one version.
 *
 * https://docs.aws.amazon.com/step-functions/latest/dg/version-rolling-deployment.html
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineAliasCommand,
  UpdateStateMachineAliasCommand,
  type RoutingConfigurationListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ReleaseTargets, StateMachineDeployment } from '#shared/release.ts';
import { alarmStates } from './alarms.ts';
import type { WatchOptions } from './functions.ts';

export interface StateMachineReleaseClients {
  readonly sfn: SFNClient;
  readonly cloudWatch: CloudWatchClient;
}

export type StateMachineOutcome =
  | { readonly result: 'unchanged'; readonly versionArn: string }
  | { readonly result: 'shifted'; readonly from: string; readonly to: string }
  | {
      readonly result: 'rolled-back';
      readonly from: string;
      readonly to: string;
      /** The new version's share when the alarm was seen. */
      readonly atPercent: number;
      readonly alarms: readonly string[];
    }
  | { readonly result: 'failed'; readonly reason: string };

/** The new version's share at each step, ending at 100. */
export function shiftSteps(deployment: StateMachineDeployment): number[] {
  if (deployment.type === 'all-at-once') return [100];
  if (deployment.type === 'canary') return [deployment.percent, 100];
  const steps: number[] = [];
  for (let weight = deployment.percent; weight < 100; weight += deployment.percent) {
    steps.push(weight);
  }
  return [...steps, 100];
}

/** How long each step holds: `intervalMinutes`, or nothing for all at once. */
function holdMs(deployment: StateMachineDeployment): number {
  return deployment.type === 'all-at-once' ? 0 : deployment.intervalMinutes * 60_000;
}

function versionOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/**
 * Moves the state machine's `live` alias to `targets.stateMachine.versionArn` gradually, or back
 * to where it was when an alarm fires. The `ignored` alarms (`--ignore-alarm`) are left out of
 * both the check before the shift and the watch.
 */
export async function releaseStateMachine(
  targets: ReleaseTargets,
  clients: StateMachineReleaseClients,
  options: WatchOptions,
  ignored: readonly string[] = [],
): Promise<StateMachineOutcome> {
  const { aliasArn, versionArn: target, deployment } = targets.stateMachine;
  const alarms = targets.stateMachine.alarms.filter((name) => !ignored.includes(name));
  const skipped = targets.stateMachine.alarms.filter((name) => ignored.includes(name));
  const { clock, log, pollMs } = options;
  const alias = await clients.sfn.send(
    new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }),
  );
  const routing = alias.routingConfiguration ?? [];
  const others = routing
    .filter((entry) => entry.stateMachineVersionArn !== target)
    .sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0));
  const [previous] = others;
  if (previous?.stateMachineVersionArn === undefined) {
    log(`state machine: live is on version ${versionOf(target)} already`);
    return { result: 'unchanged', versionArn: target };
  }
  const from = previous.stateMachineVersionArn;
  const before = await alarmStates(clients.cloudWatch, alarms);
  if (before.missing.length > 0) {
    return {
      result: 'failed',
      reason: `alarm(s) ${before.missing.join(', ')} do not exist, so the shift could not be watched; nothing moved`,
    };
  }
  if (before.firing.length > 0) {
    return {
      result: 'failed',
      reason: `alarm(s) ${before.firing.join(', ')} already in ALARM before the shift; nothing moved`,
    };
  }
  const route = async (percent: number) => {
    const routingConfiguration: RoutingConfigurationListItem[] =
      percent === 100
        ? [{ stateMachineVersionArn: target, weight: 100 }]
        : percent === 0
          ? [{ stateMachineVersionArn: from, weight: 100 }]
          : [
              { stateMachineVersionArn: target, weight: percent },
              { stateMachineVersionArn: from, weight: 100 - percent },
            ];
    await clients.sfn.send(
      new UpdateStateMachineAliasCommand({ stateMachineAliasArn: aliasArn, routingConfiguration }),
    );
  };
  const hold = holdMs(deployment);
  for (const percent of shiftSteps(deployment)) {
    await route(percent);
    log(
      percent === 100
        ? `state machine: every new execution on version ${versionOf(target)}, watching ${alarms.join(', ') || 'no alarm'}${skipped.length === 0 ? '' : ` (${skipped.join(', ')} ignored)`}`
        : `state machine: ${percent}% of new executions on version ${versionOf(target)}, ${100 - percent}% on ${versionOf(from)}`,
    );
    const end = clock.now() + hold;
    for (;;) {
      const { firing } = await alarmStates(clients.cloudWatch, alarms);
      if (firing.length > 0) {
        await route(0);
        log(
          `state machine: ${firing.join(', ')} in ALARM at ${percent}%; live routed back to version ${versionOf(from)}`,
        );
        return { result: 'rolled-back', from, to: target, atPercent: percent, alarms: firing };
      }
      const left = end - clock.now();
      if (left <= 0) break;
      await clock.sleep(Math.min(pollMs, left));
    }
  }
  log(`state machine: live is on version ${versionOf(target)}`);
  return { result: 'shifted', from, to: target };
}
