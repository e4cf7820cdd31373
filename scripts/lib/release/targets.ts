/**
 * What the release step and the smoke test read about a deployed stack: the stack output
 * `release` ({@link ReleaseTargets}, `shared/release.ts`) and, for the smoke test, the stack's
 * other outputs. They come from `pulumi stack output --json --stack <stack>` or from a file of the
 * same shape (`--targets`, `--outputs`), which is how tests and an operator without the Pulumi
 * CLI at hand pass them; either way they are checked here before anything is called.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import {
  LIVE_ALIAS,
  type ReleaseTargets,
  type ReleasedFunction,
  type StateMachineDeployment,
} from '#shared/release.ts';

/** A bad argument or an unreadable input: the command stops before it calls AWS (exit 2). */
export class ReleaseInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseInputError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ReleaseInputError(`${where} must be a non-empty string`);
  }
  return value;
}

function deployment(value: unknown, where: string): StateMachineDeployment {
  if (isRecord(value) && value.type === 'all-at-once') return { type: 'all-at-once' };
  if (!isRecord(value) || (value.type !== 'canary' && value.type !== 'linear')) {
    throw new ReleaseInputError(`${where}.type must be canary, linear or all-at-once`);
  }
  const { percent, intervalMinutes } = value;
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 99) {
    throw new ReleaseInputError(`${where}.percent must be a whole number from 1 to 99`);
  }
  if (
    typeof intervalMinutes !== 'number' ||
    !Number.isInteger(intervalMinutes) ||
    intervalMinutes < 1 ||
    intervalMinutes > 60
  ) {
    throw new ReleaseInputError(`${where}.intervalMinutes must be a whole number from 1 to 60`);
  }
  return { type: value.type, percent, intervalMinutes };
}

function releasedFunction(value: unknown, where: string): ReleasedFunction {
  if (!isRecord(value)) throw new ReleaseInputError(`${where} must be an object`);
  const version = text(value.version, `${where}.version`);
  if (!/^[1-9][0-9]*$/.test(version)) {
    throw new ReleaseInputError(
      `${where}.version must be a published version number, not ${version}`,
    );
  }
  return {
    function: text(value.function, `${where}.function`),
    functionName: text(value.functionName, `${where}.functionName`),
    version,
    deploymentGroup: text(value.deploymentGroup, `${where}.deploymentGroup`),
  };
}

/**
 * Checks the stack output `release` (parsed JSON). `source` names where it came from in messages.
 *
 * @throws ReleaseInputError when it is not a {@link ReleaseTargets}.
 */
export function parseReleaseTargets(value: unknown, source: string): ReleaseTargets {
  const where = `${source}: release`;
  if (!isRecord(value)) throw new ReleaseInputError(`${where} must be an object`);
  if (value.alias !== LIVE_ALIAS) {
    throw new ReleaseInputError(`${where}.alias must be ${LIVE_ALIAS}`);
  }
  if (!Array.isArray(value.functions)) {
    throw new ReleaseInputError(`${where}.functions must be a list`);
  }
  const machine = value.stateMachine;
  if (!isRecord(machine)) throw new ReleaseInputError(`${where}.stateMachine must be an object`);
  const arn = text(machine.arn, `${where}.stateMachine.arn`);
  const versionArn = text(machine.versionArn, `${where}.stateMachine.versionArn`);
  if (!versionArn.startsWith(`${arn}:`) || !/:[1-9][0-9]*$/.test(versionArn)) {
    throw new ReleaseInputError(
      `${where}.stateMachine.versionArn must be a version of ${arn} (<arn>:<n>), not ${versionArn}`,
    );
  }
  const alarms = machine.alarms;
  if (!Array.isArray(alarms) || alarms.some((each) => typeof each !== 'string')) {
    throw new ReleaseInputError(`${where}.stateMachine.alarms must be a list of alarm names`);
  }
  return {
    alias: LIVE_ALIAS,
    codeDeployApplication: text(value.codeDeployApplication, `${where}.codeDeployApplication`),
    deploymentConfig: text(value.deploymentConfig, `${where}.deploymentConfig`),
    preTrafficHook: text(value.preTrafficHook, `${where}.preTrafficHook`),
    functions: value.functions.map((each, index) =>
      releasedFunction(each, `${where}.functions[${index}]`),
    ),
    stateMachine: {
      arn,
      aliasArn: text(machine.aliasArn, `${where}.stateMachine.aliasArn`),
      versionArn,
      deployment: deployment(machine.deployment, `${where}.stateMachine.deployment`),
      alarms: alarms as string[],
    },
  };
}

/** The stack outputs the smoke test reads. */
export interface SmokeOutputs {
  readonly release: ReleaseTargets;
  /** The AppSync GraphQL endpoint. */
  readonly graphqlUrl: string;
  /** The topic every critical alarm notifies: how the smoke test finds them. */
  readonly criticalAlertTopicArn: string;
}

/** Checks the stack's outputs (`pulumi stack output --json`) for what the smoke test reads. */
export function parseSmokeOutputs(value: unknown, source: string): SmokeOutputs {
  if (!isRecord(value)) throw new ReleaseInputError(`${source}: the outputs must be an object`);
  return {
    release: parseReleaseTargets(value.release, source),
    graphqlUrl: text(value.graphqlUrl, `${source}: graphqlUrl`),
    criticalAlertTopicArn: text(value.criticalAlertTopicArn, `${source}: criticalAlertTopicArn`),
  };
}

/** Reads a JSON file given on the command line. */
export async function readJsonFile(path: string): Promise<unknown> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    throw new ReleaseInputError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ReleaseInputError(`${path} is not JSON`);
  }
}

/**
 * `pulumi stack output [name] --json --stack <stack>`, parsed: the deployed stack's outputs as the
 * Pulumi CLI (with the backend `PULUMI_BACKEND_URL` names) reports them.
 */
export async function pulumiStackOutput(stack: string, name?: string): Promise<unknown> {
  if (!/^[A-Za-z0-9_./-]+$/.test(stack)) throw new ReleaseInputError(`not a stack name: ${stack}`);
  const args = ['stack', 'output', ...(name === undefined ? [] : [name]), '--json'];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('pulumi', [...args, '--stack', stack], {
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ReleaseInputError(
      missing
        ? `the Pulumi CLI is not on PATH (needed to read the stack's outputs); install it, or pass the outputs as a file (--targets for release, --outputs for smoke) from: pulumi ${args.join(' ')} --stack ${stack}`
        : `pulumi ${args.join(' ')} --stack ${stack} failed: ${(error as Error).message.trim()}`,
    );
  }
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new ReleaseInputError(`pulumi ${args.join(' ')} --stack ${stack} printed no JSON`);
  }
}

/** The Region of the stack, from the state machine's ARN (`arn:aws:states:<region>:...`). */
export function regionOf(targets: ReleaseTargets): string {
  const region = targets.stateMachine.arn.split(':')[3];
  if (region === undefined || region === '') {
    throw new ReleaseInputError(
      `release.stateMachine.arn is not an ARN: ${targets.stateMachine.arn}`,
    );
  }
  return region;
}
