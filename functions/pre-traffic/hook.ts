/**
 * CodeDeploy's `BeforeAllowTraffic` hook for the released functions: what the hook checks and
 * how it reports, with the SDK clients passed in (the handler creates them once; tests point real
 * clients at stand-ins).
 *
 * CodeDeploy invokes the hook asynchronously with `{ DeploymentId, LifecycleEventHookExecutionId }`
 * and waits until the hook reports with `PutLifecycleEventHookExecutionStatus`, or for an hour. The
 * event names no function and no version: the deployment's AppSpec does (`GetDeployment`), and the
 * new version, which takes no traffic yet, is invoked directly by number.
 *
 * - Every check that runs ends in a report: a failed check, an answer that is not the expected
 *   one and an error along the way all report `Failed`, which stops the deployment and rolls the
 *   alias back before any customer traffic reached the new version.
 * - A report that does not go through is thrown ({@link HookReportError}): the invocation fails,
 *   Lambda tries it again, and if no report ever arrives CodeDeploy times the hook out, which fails
 *   the deployment too. Nothing here can let a deployment pass without a `Succeeded` it sent.
 *
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
 */
import { isDeepStrictEqual } from 'node:util';
import {
  GetDeploymentCommand,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { LIVE_ALIAS, PRE_TRAFFIC_REQUESTS, type CanaryFunction } from '#shared/release.ts';

/** What CodeDeploy sends a Lambda lifecycle hook. */
export interface HookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

/** The function a Lambda deployment shifts, as its AppSpec names it. */
export interface LambdaTarget {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
}

/** The hook's conclusion about a deployment, as reported to CodeDeploy. */
export interface HookVerdict {
  readonly status: 'Succeeded' | 'Failed';
  /** Why, in a sentence for the release log. */
  readonly reason: string;
  /** The function and version checked, once the AppSpec was read. */
  readonly target?: { readonly function: CanaryFunction; readonly version: string };
}

export interface HookDependencies {
  readonly codedeploy: CodeDeployClient;
  readonly lambda: LambdaClient;
  /** This stack's released functions: deployed name to catalog name (`RELEASED_FUNCTIONS`). */
  readonly releasedFunctions: Readonly<Record<string, CanaryFunction>>;
}

/** An event CodeDeploy could not have sent: there is nothing to report to. */
export class InvalidHookEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHookEventError';
  }
}

/** A deployment whose AppSpec does not name one Lambda function, alias and versions. */
export class AppSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppSpecError';
  }
}

/** CodeDeploy did not take the report: the hook must fail so that it is tried again or times out. */
export class HookReportError extends Error {
  /** What the hook would have reported. */
  readonly verdict: HookVerdict;

  constructor(verdict: HookVerdict, options: { cause: unknown }) {
    super(`could not report ${verdict.status} to CodeDeploy: ${describe(options.cause)}`, options);
    this.name = 'HookReportError';
    this.verdict = verdict;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The event's ids, or {@link InvalidHookEventError}. */
export function parseHookEvent(event: unknown): HookEvent {
  if (
    !isRecord(event) ||
    typeof event.DeploymentId !== 'string' ||
    event.DeploymentId === '' ||
    typeof event.LifecycleEventHookExecutionId !== 'string' ||
    event.LifecycleEventHookExecutionId === ''
  ) {
    throw new InvalidHookEventError(
      'expected { DeploymentId, LifecycleEventHookExecutionId } from CodeDeploy',
    );
  }
  return {
    DeploymentId: event.DeploymentId,
    LifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
  };
}

/** A map's value by key, whatever the key's case: the AppSpec documents lower case, SAM writes Pascal case. */
function field(map: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(map).find((each) => each.toLowerCase() === name);
  return key === undefined ? undefined : map[key];
}

function text(map: Record<string, unknown>, name: string): string {
  const value = field(map, name);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string' || value === '') {
    throw new AppSpecError(`the function's properties have no ${name}`);
  }
  return value;
}

/**
 * The Lambda function of an AppSpec: exactly one resource of type `AWS::Lambda::Function` with
 * its name, alias, current version and target version.
 *
 * JSON only: the release step is the only writer of these deployments and always sends JSON
 * (`scripts/lib/release/appspec.ts`). A YAML parser would be the biggest part of this bundle
 * (117 KiB of 450) for AppSpecs nobody sends; a YAML one (a deployment made by hand) is reported
 * Failed, which stops that deployment, the safe outcome.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
export function lambdaTargetOf(content: string): LambdaTarget {
  let appSpec: unknown;
  try {
    appSpec = JSON.parse(content);
  } catch (error) {
    throw new AppSpecError(
      `the AppSpec is not JSON, as the release step writes it: ${describe(error)}`,
    );
  }
  const resources = isRecord(appSpec) ? field(appSpec, 'resources') : undefined;
  if (!Array.isArray(resources) || resources.length !== 1 || !isRecord(resources[0])) {
    throw new AppSpecError('the AppSpec must list exactly one resource');
  }
  const entries = Object.values(resources[0]);
  const resource = entries[0];
  if (entries.length !== 1 || !isRecord(resource)) {
    throw new AppSpecError('the AppSpec resource must be one named map');
  }
  if (field(resource, 'type') !== 'AWS::Lambda::Function') {
    throw new AppSpecError('the AppSpec resource is not an AWS::Lambda::Function');
  }
  const properties = field(resource, 'properties');
  if (!isRecord(properties)) throw new AppSpecError('the AppSpec resource has no properties');
  return {
    functionName: text(properties, 'name'),
    alias: text(properties, 'alias'),
    currentVersion: text(properties, 'currentversion'),
    targetVersion: text(properties, 'targetversion'),
  };
}

function failed(reason: string, target?: HookVerdict['target']): HookVerdict {
  return target === undefined ? { status: 'Failed', reason } : { status: 'Failed', reason, target };
}

/** What an answer looks like in the release log: short enough to read, never a whole payload. */
function excerpt(payload: string): string {
  return payload.length > 300 ? `${payload.slice(0, 300)}…` : payload;
}

/**
 * Reads the deployment, invokes its target version with the function's harmless request
 * (`PRE_TRAFFIC_REQUESTS`) and compares the answer. Throws only when a call fails; every other
 * problem is a `Failed` verdict.
 */
export async function checkDeployment(
  deploymentId: string,
  deps: HookDependencies,
): Promise<HookVerdict> {
  const { deploymentInfo } = await deps.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  if (deploymentInfo?.computePlatform !== 'Lambda') {
    return failed(`deployment ${deploymentId} is not a Lambda deployment`);
  }
  // CreateDeployment takes the AppSpec as `AppSpecContent` (or, older, as a raw `String`).
  const revision = deploymentInfo.revision;
  const content = revision?.appSpecContent?.content ?? revision?.string?.content;
  if (content === undefined) {
    return failed(`deployment ${deploymentId} carries no AppSpec content`);
  }
  let target: LambdaTarget;
  try {
    target = lambdaTargetOf(content);
  } catch (error) {
    if (error instanceof AppSpecError) return failed(error.message);
    throw error;
  }
  const released = Object.hasOwn(deps.releasedFunctions, target.functionName)
    ? deps.releasedFunctions[target.functionName]
    : undefined;
  if (released === undefined) {
    return failed(`${target.functionName} is not a released function of this stack`);
  }
  const checked = { function: released, version: target.targetVersion };
  if (target.alias !== LIVE_ALIAS) {
    return failed(`the deployment shifts alias ${target.alias}, not ${LIVE_ALIAS}`, checked);
  }
  // A published version is a positive number; `$LATEST` or an alias is not something to release.
  if (!/^[1-9]\d*$/.test(target.targetVersion)) {
    return failed(`target version ${target.targetVersion} is not a published version`, checked);
  }
  const request = PRE_TRAFFIC_REQUESTS[released];
  const answer = await deps.lambda.send(
    new InvokeCommand({
      FunctionName: target.functionName,
      Qualifier: target.targetVersion,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(request.event)),
    }),
  );
  const payload = answer.Payload === undefined ? '' : new TextDecoder().decode(answer.Payload);
  if (answer.FunctionError !== undefined) {
    return failed(
      `version ${target.targetVersion} of ${released} failed the harmless request (${answer.FunctionError}): ${excerpt(payload)}`,
      checked,
    );
  }
  if (answer.ExecutedVersion !== undefined && answer.ExecutedVersion !== target.targetVersion) {
    return failed(
      `Lambda ran version ${answer.ExecutedVersion} of ${released}, not ${target.targetVersion}`,
      checked,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload) as unknown;
  } catch {
    return failed(
      `version ${target.targetVersion} of ${released} answered with no JSON: ${excerpt(payload)}`,
      checked,
    );
  }
  if (!isDeepStrictEqual(parsed, request.expect)) {
    return failed(
      `version ${target.targetVersion} of ${released} answered ${excerpt(payload)}, expected ${JSON.stringify(request.expect)}`,
      checked,
    );
  }
  return {
    status: 'Succeeded',
    reason: `version ${target.targetVersion} of ${released} answered the harmless request as expected`,
    target: checked,
  };
}

/**
 * The whole hook: check, then report. A check that throws reports `Failed`; a report that fails
 * throws {@link HookReportError}. A lifecycle event that is already complete (an earlier attempt
 * reported, or CodeDeploy gave up waiting) needs nothing more.
 */
export async function runPreTrafficHook(
  event: unknown,
  deps: HookDependencies,
): Promise<HookVerdict & { readonly reported: boolean }> {
  const { DeploymentId, LifecycleEventHookExecutionId } = parseHookEvent(event);
  let verdict: HookVerdict;
  try {
    verdict = await checkDeployment(DeploymentId, deps);
  } catch (error) {
    verdict = failed(`the check could not run: ${describe(error)}`);
  }
  try {
    await deps.codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: DeploymentId,
        lifecycleEventHookExecutionId: LifecycleEventHookExecutionId,
        status: verdict.status,
      }),
    );
  } catch (error) {
    if (error instanceof LifecycleEventAlreadyCompletedException) {
      return { ...verdict, reported: false };
    }
    throw new HookReportError(verdict, { cause: error });
  }
  return { ...verdict, reported: true };
}
