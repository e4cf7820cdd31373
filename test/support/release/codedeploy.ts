/**
 * CodeDeploy for Lambda, as the real `@aws-sdk/client-codedeploy` speaks to it (AWS JSON 1.1,
 * `x-amz-target: CodeDeploy_20141006.<Operation>`): CreateDeployment with an inline AppSpec (and an
 * optional `overrideAlarmConfiguration`), GetDeployment, ListDeployments, GetDeploymentGroup, and
 * PutLifecycleEventHookExecutionStatus, which the pre-traffic
 * hook (`functions/pre-traffic/handler.ts`) calls after reading GetDeployment and invoking the
 * target version.
 *
 * A deployment runs as CodeDeploy runs one: it invokes the `BeforeAllowTraffic` hook
 * asynchronously through the Lambda stand-in with `{ DeploymentId, LifecycleEventHookExecutionId
 * }` and waits for its status; then it shifts the alias's routing as the configuration says
 * (`CodeDeployDefault.Lambda<AllAtOnce|CanaryNPercentMMinutes|LinearNPercentEveryMMinute(s)>`) on
 * the virtual clock, and watches the group's alarms in the CloudWatch stand-in throughout (or, for
 * a deployment created with `overrideAlarmConfiguration`, only the alarms it lists, none when it
 * is not enabled; GetDeployment returns that configuration as given). An
 * alarm in ALARM stops it (ALARM_ACTIVE), a hook reporting Failed fails it
 * (HOOK_EXECUTION_FAILURE), and with the group's automatic rollback the alias goes back to
 * CurrentVersion at once through a rollback deployment (`creator: codeDeployRollback`), as
 * DEPLOYMENT_STOP_ON_ALARM and DEPLOYMENT_FAILURE do. One active deployment per group.
 *
 * State moves when it is looked at (every call reads the clock first), so what a caller sees
 * depends only on the virtual time and on what was reported, never on timing.
 *
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
 */
import { createHash, randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import type { Handler } from '../../../local/http.ts';
import { AwsJsonProtocol, FieldReader, type JsonObject } from '../../../local/services/aws-json.ts';
import type { CloudWatchStandIn } from './cloudwatch.ts';
import type { LambdaStandIn } from './lambda.ts';
import type { VirtualClock } from './virtual-clock.ts';

const PROTOCOL = new AwsJsonProtocol({
  service: 'CodeDeploy',
  targetPrefix: 'CodeDeploy_20141006',
  version: '1.1',
});

/** A Lambda deployment group: its alarms and which failures roll back. */
export interface StandInGroup {
  readonly application: string;
  readonly name: string;
  readonly alarms: readonly string[];
  readonly autoRollbackEvents: readonly ('DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM')[];
}

/** The new version's share (0 to 1) from `at` ms after traffic starts shifting. */
interface Step {
  readonly at: number;
  readonly weight: number;
}

/** The steps of a predefined Lambda configuration, or undefined for an unknown name. */
export function configSteps(name: string): readonly Step[] | undefined {
  const minute = 60_000;
  if (name === 'CodeDeployDefault.LambdaAllAtOnce') return [{ at: 0, weight: 1 }];
  const canary = /^CodeDeployDefault\.LambdaCanary(\d+)Percent(\d+)Minutes$/.exec(name);
  if (canary !== null) {
    return [
      { at: 0, weight: Number(canary[1]) / 100 },
      { at: Number(canary[2]) * minute, weight: 1 },
    ];
  }
  const linear = /^CodeDeployDefault\.LambdaLinear(\d+)PercentEvery(\d+)Minutes?$/.exec(name);
  if (linear !== null) {
    const percent = Number(linear[1]);
    const steps: Step[] = [];
    for (let index = 0; index * percent < 100; index += 1) {
      steps.push({
        at: index * Number(linear[2]) * minute,
        weight: Math.min(1, ((index + 1) * percent) / 100),
      });
    }
    return steps;
  }
  return undefined;
}

interface AppSpecTarget {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly beforeAllowTraffic: string | undefined;
}

interface Deployment {
  readonly id: string;
  readonly group: StandInGroup;
  /** What this deployment watches: the group's alarms, or those of its override. */
  readonly alarms: readonly string[];
  /** `overrideAlarmConfiguration` as CreateDeployment was given it. */
  readonly override: JsonObject | undefined;
  readonly config: string;
  readonly steps: readonly Step[];
  readonly content: string;
  readonly target: AppSpecTarget;
  readonly created: number;
  readonly creator: 'user' | 'codeDeployRollback';
  readonly description: string | undefined;
  status: 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';
  hook: { readonly id: string; status: 'Pending' | 'Succeeded' | 'Failed' } | undefined;
  /** When traffic started to shift (the hook succeeded). */
  shiftFrom: number | undefined;
  /** Steps applied so far. */
  applied: number;
  completed: number | undefined;
  error: { readonly code: string; readonly message: string } | undefined;
  rollback: JsonObject | undefined;
}

/** CodeDeploy's hook timeout for Lambda: an hour. */
const HOOK_TIMEOUT_MS = 3_600_000;

export interface CodeDeployStandInOptions {
  readonly clock: VirtualClock;
  readonly lambda: LambdaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
}

export class CodeDeployStandIn {
  readonly handler: Handler;
  readonly #groups = new Map<string, StandInGroup>();
  readonly #deployments: Deployment[] = [];
  readonly #options: CodeDeployStandInOptions;
  #sequence = 0;

  constructor(options: CodeDeployStandInOptions) {
    this.#options = options;
    this.handler = PROTOCOL.handler({
      operations: {
        CreateDeployment: (input) => this.#create(input),
        GetDeployment: (input) => this.#get(input),
        ListDeployments: (input) => this.#list(input),
        GetDeploymentGroup: (input) => this.#getGroup(input),
        PutLifecycleEventHookExecutionStatus: (input) => this.#putHookStatus(input),
      },
      notImplemented: ['StopDeployment', 'BatchGetDeployments'],
    });
  }

  addGroup(group: StandInGroup): void {
    this.#groups.set(`${group.application}/${group.name}`, group);
  }

  /** Every deployment, oldest first: id, group, status, creator. */
  deployments(): { id: string; group: string; status: string; creator: string }[] {
    for (const deployment of this.#deployments) this.#advance(deployment);
    return this.#deployments.map((each) => ({
      id: each.id,
      group: each.group.name,
      status: each.status,
      creator: each.creator,
    }));
  }

  /**
   * Starts a deployment as an interrupted earlier release leaves it: created, its hook invoked at
   * the clock's next sleep, and watched by nobody (for the tests of a re-run).
   */
  startDeployment(application: string, group: string, content: string): string {
    return this.#create({
      applicationName: application,
      deploymentGroupName: group,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
    }).deploymentId as string;
  }

  #nextId(): string {
    this.#sequence += 1;
    return `d-${String(this.#sequence).padStart(9, '0')}`;
  }

  #appSpec(content: string): AppSpecTarget {
    let document: unknown;
    try {
      document = parse(content);
    } catch {
      throw PROTOCOL.error('InvalidRevisionException', 'The AppSpec content is not YAML or JSON.');
    }
    const resources = (document as { Resources?: unknown } | null)?.Resources;
    if (!Array.isArray(resources) || resources.length !== 1) {
      throw PROTOCOL.error(
        'InvalidRevisionException',
        'A Lambda AppSpec must name exactly one resource under Resources.',
      );
    }
    const [resource] = Object.values(resources[0] as Record<string, unknown>) as {
      Type?: unknown;
      Properties?: Record<string, unknown>;
    }[];
    const properties = resource?.Properties ?? {};
    const field = (name: string) => {
      const value = properties[name];
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw PROTOCOL.error('InvalidRevisionException', `The AppSpec resource has no ${name}.`);
      }
      return String(value);
    };
    if (resource?.Type !== 'AWS::Lambda::Function') {
      throw PROTOCOL.error(
        'InvalidRevisionException',
        'The AppSpec resource must be an AWS::Lambda::Function.',
      );
    }
    const hooks = (document as { Hooks?: unknown }).Hooks;
    const before = Array.isArray(hooks)
      ? (hooks as Record<string, unknown>[]).find((hook) => 'BeforeAllowTraffic' in hook)
      : undefined;
    return {
      functionName: field('Name'),
      alias: field('Alias'),
      currentVersion: field('CurrentVersion'),
      targetVersion: field('TargetVersion'),
      beforeAllowTraffic: before === undefined ? undefined : String(before.BeforeAllowTraffic),
    };
  }

  /** The group `applicationName`/`deploymentGroupName` names, or CodeDeploy's exception. */
  #group(fields: FieldReader): StandInGroup {
    const application = fields.string('applicationName', { min: 1, max: 100 });
    if (application === undefined) {
      throw PROTOCOL.error('ApplicationNameRequiredException', 'Application name is required.');
    }
    const groupName = fields.string('deploymentGroupName', { min: 1, max: 100 });
    if (groupName === undefined) {
      throw PROTOCOL.error(
        'DeploymentGroupNameRequiredException',
        'Deployment group name is required.',
      );
    }
    if (![...this.#groups.values()].some((group) => group.application === application)) {
      throw PROTOCOL.error(
        'ApplicationDoesNotExistException',
        `No application found for name: ${application}`,
      );
    }
    const group = this.#groups.get(`${application}/${groupName}`);
    if (group === undefined) {
      throw PROTOCOL.error(
        'DeploymentGroupDoesNotExistException',
        `No Deployment Group found for name: ${groupName}`,
      );
    }
    return group;
  }

  /** The alarms an `overrideAlarmConfiguration` watches (at most 10, as CodeDeploy allows). */
  #overrideAlarms(override: unknown): readonly string[] {
    const invalid = (message: string) => PROTOCOL.error('InvalidAlarmConfigException', message);
    if (override === null || typeof override !== 'object' || Array.isArray(override)) {
      throw invalid('The alarm configuration must be an object.');
    }
    const { enabled, alarms = [] } = override as { enabled?: unknown; alarms?: unknown };
    if (enabled !== undefined && typeof enabled !== 'boolean') {
      throw invalid('The alarm configuration enabled must be true or false.');
    }
    if (
      !Array.isArray(alarms) ||
      alarms.some(
        (alarm) =>
          alarm === null ||
          typeof alarm !== 'object' ||
          typeof (alarm as { name?: unknown }).name !== 'string',
      )
    ) {
      throw invalid('The alarm configuration alarms must be a list of {name}.');
    }
    if (alarms.length > 10) throw invalid('A maximum of 10 alarms can be added.');
    return enabled === true ? alarms.map((alarm) => (alarm as { name: string }).name) : [];
  }

  #create(input: JsonObject): JsonObject {
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const group = this.#group(fields);
    const groupName = group.name;
    const override = input.overrideAlarmConfiguration as JsonObject | undefined;
    const alarms = override === undefined ? group.alarms : this.#overrideAlarms(override);
    const config =
      fields.string('deploymentConfigName') ?? 'CodeDeployDefault.LambdaCanary10Percent5Minutes';
    const steps = configSteps(config);
    if (steps === undefined) {
      throw PROTOCOL.error(
        'DeploymentConfigDoesNotExistException',
        `No deployment configuration found for name: ${config}`,
      );
    }
    const revision = input.revision as
      | { revisionType?: unknown; appSpecContent?: { content?: unknown; sha256?: unknown } }
      | undefined;
    if (revision === undefined)
      throw PROTOCOL.error('RevisionRequiredException', 'Revision is required.');
    const content = revision.appSpecContent?.content;
    if (revision.revisionType !== 'AppSpecContent' || typeof content !== 'string') {
      throw PROTOCOL.error(
        'InvalidRevisionException',
        'A Lambda deployment takes revisionType AppSpecContent with its content.',
      );
    }
    const sha256 = revision.appSpecContent?.sha256;
    if (sha256 !== undefined && sha256 !== createHash('sha256').update(content).digest('hex')) {
      throw PROTOCOL.error(
        'InvalidRevisionException',
        'The AppSpec content does not match its sha256.',
      );
    }
    const target = this.#appSpec(content);
    const active = this.#deployments.find(
      (each) =>
        each.group === group &&
        (this.#advance(each), each.status === 'InProgress' || each.status === 'Created'),
    );
    if (active !== undefined) {
      throw PROTOCOL.error(
        'DeploymentLimitExceededException',
        `The Deployment Group '${groupName}' already has an active Deployment '${active.id}'`,
      );
    }
    const deployment: Deployment = {
      id: this.#nextId(),
      group,
      alarms,
      override,
      config,
      steps,
      content,
      target,
      created: this.#options.clock.now(),
      creator: 'user',
      description: fields.string('description'),
      status: 'InProgress',
      hook: undefined,
      shiftFrom: undefined,
      applied: 0,
      completed: undefined,
      error: undefined,
      rollback: undefined,
    };
    this.#deployments.push(deployment);
    this.#begin(deployment);
    return { deploymentId: deployment.id };
  }

  /** Checks the AppSpec against the function, then runs the hook or starts shifting. */
  #begin(deployment: Deployment): void {
    const { lambda } = this.#options;
    const { functionName, alias, currentVersion, targetVersion, beforeAllowTraffic } =
      deployment.target;
    const now = lambda.alias(functionName, alias);
    if (now === undefined || !lambda.hasVersion(functionName, targetVersion)) {
      this.#end(
        deployment,
        'Failed',
        'INVALID_LAMBDA_FUNCTION',
        `The Lambda function ${functionName}, its alias ${alias} or its version ${targetVersion} does not exist.`,
      );
      return;
    }
    if (now.functionVersion !== currentVersion) {
      this.#end(
        deployment,
        'Failed',
        'INVALID_LAMBDA_CONFIGURATION',
        `The alias ${alias} of ${functionName} points at version ${now.functionVersion}, not at the CurrentVersion ${currentVersion} of the AppSpec.`,
      );
      return;
    }
    if (beforeAllowTraffic === undefined) {
      this.#startShifting(deployment);
      return;
    }
    const hook = { id: randomUUID(), status: 'Pending' as const };
    deployment.hook = hook;
    lambda.invokeAsync(beforeAllowTraffic, {
      DeploymentId: deployment.id,
      LifecycleEventHookExecutionId: hook.id,
    });
  }

  #startShifting(deployment: Deployment): void {
    deployment.shiftFrom = this.#options.clock.now();
    this.#advance(deployment);
  }

  /** Brings a deployment up to the clock: hook timeout, alarms, due steps. */
  #advance(deployment: Deployment): void {
    if (deployment.status !== 'InProgress') return;
    const now = this.#options.clock.now();
    if (deployment.shiftFrom === undefined) {
      if (deployment.hook !== undefined && now - deployment.created >= HOOK_TIMEOUT_MS) {
        this.#fail(
          deployment,
          'Failed',
          'TIMEOUT',
          'The BeforeAllowTraffic hook did not report a status within an hour.',
        );
      }
      return;
    }
    const firing = deployment.alarms.filter(
      (name) => this.#options.cloudWatch.state(name) === 'ALARM',
    );
    if (firing.length > 0) {
      this.#fail(
        deployment,
        'Stopped',
        'ALARM_ACTIVE',
        `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing.join(', ')}>`,
      );
      return;
    }
    const { functionName, alias, currentVersion, targetVersion } = deployment.target;
    while (deployment.applied < deployment.steps.length) {
      const step = deployment.steps[deployment.applied] as Step;
      if (deployment.shiftFrom + step.at > now) return;
      deployment.applied += 1;
      if (step.weight >= 1) {
        this.#options.lambda.setAlias(functionName, alias, targetVersion);
        this.#end(deployment, 'Succeeded');
        return;
      }
      this.#options.lambda.setAlias(functionName, alias, currentVersion, {
        [targetVersion]: step.weight,
      });
    }
  }

  #end(
    deployment: Deployment,
    status: Deployment['status'],
    code?: string,
    message?: string,
  ): void {
    deployment.status = status;
    deployment.completed = this.#options.clock.now();
    if (code !== undefined) deployment.error = { code, message: message ?? '' };
  }

  /** Ends a deployment in failure, and rolls the alias back when the group says so. */
  #fail(deployment: Deployment, status: 'Failed' | 'Stopped', code: string, message: string): void {
    this.#end(deployment, status, code, message);
    const event = status === 'Stopped' ? 'DEPLOYMENT_STOP_ON_ALARM' : 'DEPLOYMENT_FAILURE';
    if (!deployment.group.autoRollbackEvents.includes(event)) return;
    const { functionName, alias, currentVersion } = deployment.target;
    this.#options.lambda.setAlias(functionName, alias, currentVersion);
    const rollback: Deployment = {
      ...deployment,
      id: this.#nextId(),
      creator: 'codeDeployRollback',
      description: `Rollback of ${deployment.id}`,
      created: this.#options.clock.now(),
      status: 'Succeeded',
      hook: undefined,
      completed: this.#options.clock.now(),
      error: undefined,
      rollback: {
        rollbackTriggeringDeploymentId: deployment.id,
        rollbackMessage: `Automatic rollback of ${deployment.id}.`,
      },
    };
    this.#deployments.push(rollback);
    deployment.rollback = {
      rollbackDeploymentId: rollback.id,
      rollbackMessage: `Automatic rollback triggered by ${event}: ${rollback.id}.`,
    };
  }

  #find(input: JsonObject): Deployment {
    const id = input.deploymentId;
    if (id === undefined || id === null) {
      throw PROTOCOL.error('DeploymentIdRequiredException', 'Deployment id is required.');
    }
    if (typeof id !== 'string' || !/^d-[A-Z0-9]{9}$/.test(id)) {
      throw PROTOCOL.error(
        'InvalidDeploymentIdException',
        `Specified DeploymentId is not in the valid format: ${String(id)}`,
      );
    }
    const deployment = this.#deployments.find((each) => each.id === id);
    if (deployment === undefined) {
      throw PROTOCOL.error(
        'DeploymentDoesNotExistException',
        `The deployment ${id} could not be found.`,
      );
    }
    this.#advance(deployment);
    return deployment;
  }

  #get(input: JsonObject): JsonObject {
    const deployment = this.#find(input);
    return {
      deploymentInfo: {
        applicationName: deployment.group.application,
        deploymentGroupName: deployment.group.name,
        deploymentConfigName: deployment.config,
        deploymentId: deployment.id,
        computePlatform: 'Lambda',
        creator: deployment.creator,
        ...(deployment.description === undefined ? {} : { description: deployment.description }),
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: {
            content: deployment.content,
            sha256: createHash('sha256').update(deployment.content).digest('hex'),
          },
        },
        status: deployment.status,
        createTime: deployment.created / 1000,
        ...(deployment.completed === undefined
          ? {}
          : { completeTime: deployment.completed / 1000 }),
        ...(deployment.error === undefined ? {} : { errorInformation: deployment.error }),
        ...(deployment.rollback === undefined ? {} : { rollbackInfo: deployment.rollback }),
        ...(deployment.override === undefined
          ? {}
          : { overrideAlarmConfiguration: deployment.override }),
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      },
    };
  }

  #getGroup(input: JsonObject): JsonObject {
    const group = this.#group(
      new FieldReader(input, (problem) => PROTOCOL.validationError([problem])),
    );
    return {
      deploymentGroupInfo: {
        applicationName: group.application,
        deploymentGroupName: group.name,
        computePlatform: 'Lambda',
        alarmConfiguration: {
          enabled: group.alarms.length > 0,
          ignorePollAlarmFailure: false,
          alarms: group.alarms.map((name) => ({ name })),
        },
        autoRollbackConfiguration: {
          enabled: group.autoRollbackEvents.length > 0,
          events: [...group.autoRollbackEvents],
        },
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      },
    };
  }

  #list(input: JsonObject): JsonObject {
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const application = fields.string('applicationName');
    const group = fields.string('deploymentGroupName');
    if (group !== undefined && application === undefined) {
      throw PROTOCOL.error(
        'ApplicationNameRequiredException',
        'Application name is required with a deployment group.',
      );
    }
    const statuses = fields.stringList('includeOnlyStatuses');
    const ids = this.#deployments
      .filter((each) => application === undefined || each.group.application === application)
      .filter((each) => group === undefined || each.group.name === group)
      .filter(
        (each) => (this.#advance(each), statuses === undefined || statuses.includes(each.status)),
      )
      .map((each) => each.id)
      .reverse();
    return { deployments: ids };
  }

  #putHookStatus(input: JsonObject): JsonObject {
    const deployment = this.#find(input);
    const fields = new FieldReader(input, (problem) => PROTOCOL.validationError([problem]));
    const executionId = fields.string('lifecycleEventHookExecutionId');
    const status = fields.string('status');
    const hook = deployment.hook;
    if (hook === undefined || executionId !== hook.id) {
      throw PROTOCOL.error(
        'InvalidLifecycleEventHookExecutionIdException',
        `A lifecycle event hook ${String(executionId)} is not part of deployment ${deployment.id}.`,
      );
    }
    if (hook.status !== 'Pending' || deployment.status !== 'InProgress') {
      throw PROTOCOL.error(
        'LifecycleEventAlreadyCompletedException',
        `The lifecycle event hook ${hook.id} has already completed.`,
      );
    }
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw PROTOCOL.error(
        'InvalidLifecycleEventHookExecutionStatusException',
        `The status ${String(status)} is not Succeeded or Failed.`,
      );
    }
    hook.status = status;
    if (status === 'Failed') {
      this.#fail(
        deployment,
        'Failed',
        'HOOK_EXECUTION_FAILURE',
        `The BeforeAllowTraffic hook ${deployment.target.beforeAllowTraffic ?? ''} reported Failed; no traffic was shifted.`,
      );
    } else {
      this.#startShifting(deployment);
    }
    return { lifecycleEventHookExecutionId: hook.id };
  }
}
