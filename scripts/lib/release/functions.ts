/**
 * The functions' half of a release: for each released function whose `live` alias is not yet on
 * the version Pulumi published, one CodeDeploy deployment on the function's group (all groups at
 * once, as SAM deploys them), watched until it ends. CodeDeploy runs the pre-traffic hook, shifts
 * the alias as the group's configuration says, watches the group's alarms and rolls the alias back
 * when one fires or the hook fails; this module starts, watches and reports.
 *
 * Safe to run again: a function whose alias is on its version with no extra routing is left alone,
 * so a second run after a clean release does nothing. A function whose alias is mid-shift because
 * an earlier release was interrupted (the pipeline job cancelled while CodeDeploy went on) has a
 * deployment still in flight on its group: that one is watched to its end, never stopped (stopping
 * would roll back what may be about to succeed) and never doubled (CodeDeploy allows one active
 * deployment per group), then the function is looked at again. An alias with extra routing and no
 * deployment in flight was moved by hand: the release refuses to guess and says how to reset it.
 */
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import {
  GetAliasCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { ReleaseTargets, ReleasedFunction } from '#shared/release.ts';
import { appSpecSha256, lambdaAppSpec } from './appspec.ts';
import type { Clock } from './clock.ts';
import { NO_OVERRIDE, deploymentAlarms, type AlarmOverride } from './override.ts';

export interface FunctionReleaseClients {
  readonly lambda: LambdaClient;
  readonly codeDeploy: CodeDeployClient;
}

export interface WatchOptions {
  readonly clock: Clock;
  /** One line of progress (stderr when run). */
  readonly log: (line: string) => void;
  /** Between two looks at a deployment or the alarms. */
  readonly pollMs: number;
}

/** How one function's release ended. */
export type FunctionOutcome =
  | { readonly function: string; readonly result: 'unchanged'; readonly version: string }
  | {
      readonly function: string;
      readonly result: 'shifted';
      readonly deploymentId: string;
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly function: string;
      readonly result: 'failed';
      /** Absent when no deployment could be started. */
      readonly deploymentId?: string;
      readonly to: string;
      /** What went wrong, in CodeDeploy's words, naming the alarm or the hook. */
      readonly reason: string;
    };

/** Statuses of a deployment that has not ended. */
const ACTIVE = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;
const ENDED = new Set(['Succeeded', 'Failed', 'Stopped']);

interface Tracked {
  readonly fn: ReleasedFunction;
  readonly deploymentId: string;
  /** Started by this run (false: an earlier release's, waited for). */
  readonly ours: boolean;
  readonly from: string;
  lastLine?: string;
}

/** Weight of the extra version(s) in the alias's routing: 0 when all traffic goes to one. */
function extraWeights(alias: AliasConfiguration): Record<string, number> {
  return alias.RoutingConfig?.AdditionalVersionWeights ?? {};
}

function percent(weight: number): string {
  return `${Math.round(weight * 1000) / 10}%`;
}

class FunctionRelease {
  readonly #targets: ReleaseTargets;
  readonly #clients: FunctionReleaseClients;
  readonly #options: WatchOptions;
  readonly #override: AlarmOverride;

  constructor(
    targets: ReleaseTargets,
    clients: FunctionReleaseClients,
    options: WatchOptions,
    override: AlarmOverride,
  ) {
    this.#targets = targets;
    this.#clients = clients;
    this.#options = options;
    this.#override = override;
  }

  async run(): Promise<FunctionOutcome[]> {
    const outcomes = new Map<string, FunctionOutcome>();
    let tracked: Tracked[] = [];
    const begin = async (fn: ReleasedFunction) => {
      const started = await this.#start(fn);
      if ('result' in started) outcomes.set(fn.function, started);
      else tracked.push(started);
    };
    await Promise.all(this.#targets.functions.map(begin));
    while (tracked.length > 0) {
      const next: Tracked[] = [];
      const current = tracked;
      tracked = next;
      // One function after the other, so the progress reads in a stable order.
      for (const each of current) {
        const info = await this.#deployment(each.deploymentId);
        const status = info.status ?? 'Unknown';
        if (!ENDED.has(status)) {
          await this.#progress(each, status);
          next.push(each);
          continue;
        }
        if (!each.ours) {
          this.#options.log(
            `${each.fn.function}: the earlier deployment ${each.deploymentId} ended ${status}; looking again`,
          );
          await begin(each.fn);
          continue;
        }
        const outcome = this.#ended(each, info);
        this.#options.log(
          outcome.result === 'failed'
            ? `${each.fn.function}: ${each.deploymentId} ended ${outcome.reason}`
            : `${each.fn.function}: ${each.deploymentId} Succeeded, live is on version ${each.fn.version}`,
        );
        outcomes.set(each.fn.function, outcome);
      }
      if (tracked.length > 0) await this.#options.clock.sleep(this.#options.pollMs);
    }
    return this.#targets.functions.map((fn) => {
      const outcome = outcomes.get(fn.function);
      if (outcome === undefined) throw new Error(`${fn.function}: the release lost track of it`);
      return outcome;
    });
  }

  async #alias(fn: ReleasedFunction): Promise<AliasConfiguration> {
    return this.#clients.lambda.send(
      new GetAliasCommand({ FunctionName: fn.functionName, Name: this.#targets.alias }),
    );
  }

  async #deployment(deploymentId: string): Promise<DeploymentInfo> {
    const { deploymentInfo } = await this.#clients.codeDeploy.send(
      new GetDeploymentCommand({ deploymentId }),
    );
    if (deploymentInfo === undefined) throw new Error(`GetDeployment ${deploymentId}: no answer`);
    return deploymentInfo;
  }

  async #start(fn: ReleasedFunction): Promise<FunctionOutcome | Tracked> {
    const { log } = this.#options;
    const alias = await this.#alias(fn);
    const extra = extraWeights(alias);
    const current = alias.FunctionVersion ?? '';
    if (current === fn.version && Object.keys(extra).length === 0) {
      log(`${fn.function}: live is on version ${fn.version} already`);
      return { function: fn.function, result: 'unchanged', version: fn.version };
    }
    const { deployments = [] } = await this.#clients.codeDeploy.send(
      new ListDeploymentsCommand({
        applicationName: this.#targets.codeDeployApplication,
        deploymentGroupName: fn.deploymentGroup,
        includeOnlyStatuses: [...ACTIVE],
      }),
    );
    const [inFlight] = deployments;
    if (inFlight !== undefined) {
      log(
        `${fn.function}: deployment ${inFlight} of an earlier release is still in flight on ${fn.deploymentGroup}; waiting for it to end (one deployment per group)`,
      );
      return { fn, deploymentId: inFlight, ours: false, from: current };
    }
    if (Object.keys(extra).length > 0) {
      const routes = Object.entries(extra)
        .map(([version, weight]) => `${percent(weight)} to version ${version}`)
        .join(', ');
      return {
        function: fn.function,
        result: 'failed',
        to: fn.version,
        reason: `live routes ${routes} besides version ${current}, and no CodeDeploy deployment is in flight on ${fn.deploymentGroup}: someone moved it by hand. Put it back on one version (aws lambda update-alias --function-name ${fn.functionName} --name ${this.#targets.alias} --function-version ${current} --routing-config AdditionalVersionWeights={}) and run the release again`,
      };
    }
    const content = lambdaAppSpec({
      functionName: fn.functionName,
      alias: this.#targets.alias,
      currentVersion: current,
      targetVersion: fn.version,
      beforeAllowTraffic: this.#targets.preTrafficHook,
    });
    const alarms = deploymentAlarms(this.#override, fn.deploymentGroup);
    const { deploymentId } = await this.#clients.codeDeploy.send(
      new CreateDeploymentCommand({
        applicationName: this.#targets.codeDeployApplication,
        deploymentGroupName: fn.deploymentGroup,
        deploymentConfigName: this.#targets.deploymentConfig,
        description: `${fn.function}: live ${current} -> ${fn.version}`,
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: { content, sha256: appSpecSha256(content) },
        },
        ...(alarms === undefined ? {} : { overrideAlarmConfiguration: alarms }),
      }),
    );
    if (deploymentId === undefined) throw new Error(`CreateDeployment for ${fn.function}: no id`);
    const watching =
      alarms === undefined
        ? ''
        : `, watching ${alarms.alarms?.map((alarm) => alarm.name).join(', ') || 'no alarm'} only (${this.#override.ignored.join(', ')} ignored)`;
    log(
      `${fn.function}: live ${current} -> ${fn.version} through ${deploymentId} (${this.#targets.deploymentConfig}${watching})`,
    );
    return { fn, deploymentId, ours: true, from: current };
  }

  async #progress(each: Tracked, status: string): Promise<void> {
    const alias = await this.#alias(each.fn);
    const extra = extraWeights(alias);
    const traffic = Object.entries(extra)
      .map(([version, weight]) => `, ${percent(weight)} on version ${version}`)
      .join('');
    const line = `${each.fn.function}: ${each.deploymentId} ${status}, live on version ${alias.FunctionVersion ?? '?'}${traffic}`;
    if (line !== each.lastLine) this.#options.log(line);
    each.lastLine = line;
  }

  #ended(each: Tracked, info: DeploymentInfo): FunctionOutcome {
    const { fn, deploymentId } = each;
    if (info.status === 'Succeeded') {
      return {
        function: fn.function,
        result: 'shifted',
        deploymentId,
        from: each.from,
        to: fn.version,
      };
    }
    const error = info.errorInformation;
    const cause =
      error === undefined
        ? 'no error information'
        : `${error.code ?? 'UNKNOWN'}: ${error.message ?? ''}`;
    const hook =
      error?.code === 'HOOK_EXECUTION_FAILURE'
        ? ` (pre-traffic hook ${this.#targets.preTrafficHook})`
        : '';
    const rollback = info.rollbackInfo?.rollbackDeploymentId;
    const back =
      rollback === undefined ? '' : `; rolled back to version ${each.from} by ${rollback}`;
    return {
      function: fn.function,
      result: 'failed',
      deploymentId,
      to: fn.version,
      reason: `${info.status ?? 'Unknown'}${hook}: ${cause}${back}`,
    };
  }
}

/**
 * Shifts the `live` alias of every function in `targets` to its version through CodeDeploy and
 * waits for every deployment to end. Outcomes in the order of `targets.functions`. With an
 * `override` (`--ignore-alarm`), each deployment on a group that watches an ignored alarm watches
 * the group's other alarms only.
 */
export function releaseFunctions(
  targets: ReleaseTargets,
  clients: FunctionReleaseClients,
  options: WatchOptions,
  override: AlarmOverride = NO_OVERRIDE,
): Promise<FunctionOutcome[]> {
  return new FunctionRelease(targets, clients, options, override).run();
}
