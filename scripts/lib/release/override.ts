/**
 * `--ignore-alarm <name>`: the operator's override for releasing a fix during an incident. The
 * alarm the incident set off (a dead-letter alarm, `purchases-at-risk`) is in ALARM, so without it
 * CodeDeploy would stop and roll back every function's deployment at once
 * (DEPLOYMENT_STOP_ON_ALARM) and the state machine's shift would refuse to start: the fix could not
 * go out.
 *
 * The override is narrow on purpose. Only an alarm that is in ALARM when the release starts and
 * that a released function's deployment group or the state machine actually watches may be
 * ignored; anything else is refused before anything moves (a typo must not quietly switch off a
 * watch, and an alarm that is OK now is exactly the one that should stop a bad canary). Every other
 * alarm stays watched, and the ignored ones are ignored for the whole run.
 *
 * The group's alarms are read from CodeDeploy (GetDeploymentGroup), not from the stack output: the
 * override replaces the group's alarm list for one deployment, so it must start from what the
 * group really watches. Each deployment carries its `overrideAlarmConfiguration`, which
 * GetDeployment returns: the override is on record in CodeDeploy for the audit. It needs
 * `codedeploy:UpdateDeploymentGroup` on the group, which the deploy role has.
 *
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
 */
import {
  GetDeploymentGroupCommand,
  type AlarmConfiguration,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ReleaseTargets } from '#shared/release.ts';
import { alarmStateValues } from './alarms.ts';
import { ReleaseInputError } from './targets.ts';

/** What a deployment group watches, as CodeDeploy has it. */
interface GroupAlarms {
  readonly alarms: readonly string[];
  readonly ignorePollAlarmFailure: boolean;
}

/** The alarms a release ignores, and what each released function's group watches. */
export interface AlarmOverride {
  /** Ignored for the whole run, in the order given; empty without `--ignore-alarm`. */
  readonly ignored: readonly string[];
  /** Deployment group name to its alarms (groups with alarms switched off watch none). */
  readonly groups: ReadonlyMap<string, GroupAlarms>;
}

/** A release without `--ignore-alarm`: every group keeps its own alarm configuration. */
export const NO_OVERRIDE: AlarmOverride = { ignored: [], groups: new Map() };

async function groupAlarms(
  codeDeploy: CodeDeployClient,
  application: string,
  group: string,
): Promise<GroupAlarms> {
  const { deploymentGroupInfo } = await codeDeploy.send(
    new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }),
  );
  const configuration = deploymentGroupInfo?.alarmConfiguration;
  if (configuration?.enabled !== true) return { alarms: [], ignorePollAlarmFailure: false };
  return {
    alarms: (configuration.alarms ?? []).flatMap((alarm) =>
      alarm.name === undefined ? [] : [alarm.name],
    ),
    ignorePollAlarmFailure: configuration.ignorePollAlarmFailure ?? false,
  };
}

/**
 * Checks the alarms `--ignore-alarm` names against what the release watches and their states now.
 * Reads only (GetDeploymentGroup, DescribeAlarms).
 *
 * @throws ReleaseInputError naming every refused alarm and why, so nothing is released.
 */
export async function alarmOverride(
  names: readonly string[],
  targets: ReleaseTargets,
  clients: { readonly codeDeploy: CodeDeployClient; readonly cloudWatch: CloudWatchClient },
): Promise<AlarmOverride> {
  const ignored = [...new Set(names)];
  if (ignored.length === 0) return NO_OVERRIDE;
  const groups = new Map<string, GroupAlarms>();
  for (const fn of targets.functions) {
    groups.set(
      fn.deploymentGroup,
      await groupAlarms(clients.codeDeploy, targets.codeDeployApplication, fn.deploymentGroup),
    );
  }
  const watched = new Set([
    ...[...groups.values()].flatMap((group) => group.alarms),
    ...targets.stateMachine.alarms,
  ]);
  const states = await alarmStateValues(clients.cloudWatch, ignored);
  const problems = ignored.flatMap((name) => {
    const state = states.get(name);
    if (!watched.has(name)) {
      return state === undefined
        ? [`${name}: no such alarm`]
        : [
            `${name}: neither a released function's deployment group nor the state machine watches it, so there is nothing to ignore`,
          ];
    }
    if (state === undefined) return [`${name}: watched, but CloudWatch has no such alarm`];
    if (state !== 'ALARM') {
      return [
        `${name}: ${state}, not in ALARM; only an alarm already in ALARM when the release starts may be ignored`,
      ];
    }
    return [];
  });
  if (problems.length > 0) {
    throw new ReleaseInputError(
      [`--ignore-alarm refused, nothing was released:`, ...problems.map((p) => `  ${p}`)].join(
        '\n',
      ),
    );
  }
  return { ignored, groups };
}

/**
 * The `overrideAlarmConfiguration` of a deployment on `group`: the group's alarms minus the
 * ignored ones, or undefined when the group watches none of them (its own configuration holds).
 */
export function deploymentAlarms(
  override: AlarmOverride,
  group: string,
): AlarmConfiguration | undefined {
  const own = override.groups.get(group);
  if (own === undefined || !own.alarms.some((name) => override.ignored.includes(name))) {
    return undefined;
  }
  const kept = own.alarms.filter((name) => !override.ignored.includes(name));
  return {
    // With nothing left to watch, say so rather than send an enabled, empty list (whether
    // CodeDeploy accepts that is not documented).
    enabled: kept.length > 0,
    ignorePollAlarmFailure: own.ignorePollAlarmFailure,
    alarms: kept.map((name) => ({ name })),
  };
}
