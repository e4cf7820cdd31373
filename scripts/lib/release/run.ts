/**
 * `npm run release` and `npm run smoke`, as functions of their arguments and of what they talk
 * to, so tests run them whole against stand-ins with a virtual clock; `scripts/release.ts` and
 * `scripts/smoke.ts` only pass the real clients, the wall clock and the process's streams.
 *
 * Exit codes: 0 done (or nothing to do), 1 a deployment failed or rolled back / the smoke test
 * found a problem, 2 a bad argument or unreadable input (nothing was called).
 *
 * Functions go first and the state machine only when every function succeeded: a new workflow
 * may rely on what only the new function versions do (a new field in a task's output, a new
 * error name), while an old workflow keeps working on new functions, whose inputs and outputs
 * stay compatible during a canary anyway (both versions serve at once).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseArgs } from 'node:util';
import type { ReleaseTargets } from '#shared/release.ts';
import type { Clock } from './clock.ts';
import { releaseFunctions, type FunctionOutcome } from './functions.ts';
import { alarmOverride } from './override.ts';
import { smokeProblems } from './smoke.ts';
import { releaseStateMachine, type StateMachineOutcome } from './state-machine.ts';
import {
  ReleaseInputError,
  parseReleaseTargets,
  parseSmokeOutputs,
  readJsonFile,
  regionOf,
} from './targets.ts';

/** Every client the two commands use, for one Region. */
export interface ReleaseClients {
  readonly lambda: LambdaClient;
  readonly codeDeploy: CodeDeployClient;
  readonly sfn: SFNClient;
  readonly cloudWatch: CloudWatchClient;
}

/** What the commands talk to. */
export interface CommandDeps {
  /** The clients for the stack's Region. */
  readonly clients: (region: string) => ReleaseClients;
  /** `pulumi stack output [name] --json --stack <stack>`, parsed. */
  readonly stackOutput: (stack: string, name?: string) => Promise<unknown>;
  readonly clock: Clock;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Between two looks at a deployment or the alarms. Default 15 s. */
  readonly pollMs?: number;
  /** For the smoke test's GraphQL request. Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

/** AWS clients for `region`, credentials from the environment (the pipeline's OIDC role). */
export function awsClients(region: string): ReleaseClients {
  return {
    lambda: new LambdaClient({ region }),
    codeDeploy: new CodeDeployClient({ region }),
    sfn: new SFNClient({ region }),
    cloudWatch: new CloudWatchClient({ region }),
  };
}

export const RELEASE_HELP = `npm run release -- --stack <stack> [--ignore-alarm <alarm name>]...
npm run release -- --targets <release.json> [--ignore-alarm <alarm name>]...

Shifts the live alias of every released function to the version Pulumi published, through one
CodeDeploy deployment per function (pre-traffic hook, gradual shift, rollback on alarm), all at
once, and waits for them; then shifts the state machine's live alias as the stack's
release.stateMachine says, watching its alarms, and routes it back if one fires. Progress on
stderr; exit 1 names each failed or rolled-back deployment and why. Running it again after a
clean release does nothing.

--stack         read the targets with: pulumi stack output release --json --stack <stack>
--targets       read them from a file of the same JSON
--ignore-alarm  an operator's override during an incident, never the pipeline's: release while
                this alarm is in ALARM, watching every other alarm. Refused (exit 2, nothing
                released) unless the alarm is in ALARM now and a released function's deployment
                group or the state machine watches it. Ignored for the whole run; each CodeDeploy
                deployment records it (overrideAlarmConfiguration). Repeat for another alarm.`;

export const SMOKE_HELP = `npm run smoke -- --stack <stack>
npm run smoke -- --outputs <outputs.json>

Checks a released stack: every live alias on its released version with no leftover routing, the
state machine's alias 100% on its released version, no critical alarm in ALARM
(purchases-at-risk among them), and the GraphQL endpoint refusing an anonymous request with 401.
Exit 1 lists what failed.

--stack    read the outputs with: pulumi stack output --json --stack <stack>
--outputs  read them from a file of the same JSON`;

type Source = ({ readonly stack: string } | { readonly file: string }) & {
  /** `--ignore-alarm` (release only), in the order given. */
  readonly ignoreAlarms: readonly string[];
};

function source(argv: readonly string[], fileOption: string, help: string): Source | 'help' {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: 'string' },
        [fileOption]: { type: 'string' },
        ...(fileOption === 'targets'
          ? { 'ignore-alarm': { type: 'string' as const, multiple: true as const } }
          : {}),
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ReleaseInputError(`${(error as Error).message}\n\n${help}`);
  }
  if (values.help === true) return 'help';
  const stack = values.stack;
  const file = values[fileOption];
  if ((stack === undefined) === (file === undefined)) {
    throw new ReleaseInputError(`give either --stack <stack> or --${fileOption} <file>\n\n${help}`);
  }
  const ignoreAlarms = (values['ignore-alarm'] as string[] | undefined) ?? [];
  if (ignoreAlarms.some((name) => name.trim() === '')) {
    throw new ReleaseInputError(`--ignore-alarm needs an alarm name\n\n${help}`);
  }
  if (typeof stack === 'string') return { stack, ignoreAlarms };
  return { file: file as string, ignoreAlarms };
}

async function inputs(
  argv: readonly string[],
  deps: CommandDeps,
  fileOption: 'targets' | 'outputs',
  help: string,
): Promise<
  | { readonly value: unknown; readonly from: string; readonly ignoreAlarms: readonly string[] }
  | 'help'
> {
  const from = source(argv, fileOption, help);
  if (from === 'help') return 'help';
  const { ignoreAlarms } = from;
  if ('file' in from) {
    return { value: await readJsonFile(from.file), from: from.file, ignoreAlarms };
  }
  const value = await deps.stackOutput(
    from.stack,
    fileOption === 'targets' ? 'release' : undefined,
  );
  return { value, from: `stack ${from.stack}`, ignoreAlarms };
}

/** Runs `code` with input errors turned into exit 2. */
async function guarded(deps: CommandDeps, code: () => Promise<number>): Promise<number> {
  try {
    return await code();
  } catch (error) {
    if (!(error instanceof ReleaseInputError)) throw error;
    deps.stderr(error.message);
    return 2;
  }
}

function destroy(clients: ReleaseClients): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}

function functionLine(outcome: FunctionOutcome): string {
  switch (outcome.result) {
    case 'unchanged':
      return `${outcome.function}: unchanged, live on version ${outcome.version}`;
    case 'shifted':
      return `${outcome.function}: live ${outcome.from} -> ${outcome.to} (${outcome.deploymentId})`;
    case 'failed':
      return `${outcome.function}: FAILED ${outcome.deploymentId ?? '(no deployment)'}: ${outcome.reason}`;
  }
}

function stateMachineLine(outcome: StateMachineOutcome): string {
  switch (outcome.result) {
    case 'unchanged':
      return `state machine: unchanged, live on ${outcome.versionArn}`;
    case 'shifted':
      return `state machine: live ${outcome.from} -> ${outcome.to}`;
    case 'rolled-back':
      return `state machine: ROLLED BACK to ${outcome.from} at ${outcome.atPercent}% on ${outcome.to}: ${outcome.alarms.join(', ')} in ALARM`;
    case 'failed':
      return `state machine: FAILED: ${outcome.reason}`;
  }
}

/** `npm run release`; resolves to the exit code. */
export function runRelease(argv: readonly string[], deps: CommandDeps): Promise<number> {
  return guarded(deps, async () => {
    const input = await inputs(argv, deps, 'targets', RELEASE_HELP);
    if (input === 'help') {
      deps.stdout(RELEASE_HELP);
      return 0;
    }
    // `pulumi stack output release` prints the output itself; a whole-outputs file works too.
    const value =
      input.value !== null &&
      typeof input.value === 'object' &&
      'release' in input.value &&
      !('functions' in input.value)
        ? (input.value as { release: unknown }).release
        : input.value;
    const targets: ReleaseTargets = parseReleaseTargets(value, input.from);
    const clients = deps.clients(regionOf(targets));
    const options = { clock: deps.clock, log: deps.stderr, pollMs: deps.pollMs ?? 15_000 };
    try {
      const override = await alarmOverride(input.ignoreAlarms, targets, clients);
      const ignored = override.ignored.join(', ');
      // Said on every line that ends the run, so nobody reads a release as watched when it was not.
      const note = ignored === '' ? '' : `; ${ignored} was ignored (--ignore-alarm)`;
      if (ignored !== '') {
        deps.stderr(
          `OVERRIDE (--ignore-alarm): ${ignored} in ALARM now and IGNORED for this whole release; every other alarm stays watched`,
        );
      }
      const functions = await releaseFunctions(targets, clients, options, override);
      for (const outcome of functions) deps.stdout(functionLine(outcome));
      const failed = functions.filter((outcome) => outcome.result === 'failed');
      if (failed.length > 0) {
        deps.stdout('state machine: not shifted, a function did not release');
        deps.stderr(
          `release failed: ${failed.map((outcome) => outcome.function).join(', ')} (see above)${note}`,
        );
        return 1;
      }
      const machine = await releaseStateMachine(targets, clients, options, override.ignored);
      deps.stdout(stateMachineLine(machine));
      if (machine.result === 'rolled-back' || machine.result === 'failed') {
        deps.stderr(`release failed: the state machine (see above)${note}`);
        return 1;
      }
      if (ignored !== '') deps.stdout(`released with ${ignored} ignored`);
      return 0;
    } finally {
      destroy(clients);
    }
  });
}

/** `npm run smoke`; resolves to the exit code. */
export function runSmoke(argv: readonly string[], deps: CommandDeps): Promise<number> {
  return guarded(deps, async () => {
    const input = await inputs(argv, deps, 'outputs', SMOKE_HELP);
    if (input === 'help') {
      deps.stdout(SMOKE_HELP);
      return 0;
    }
    const outputs = parseSmokeOutputs(input.value, input.from);
    const clients = deps.clients(regionOf(outputs.release));
    try {
      const problems = await smokeProblems(outputs, clients, deps.fetch ?? fetch);
      if (problems.length === 0) {
        deps.stdout('smoke: the stack is on its release and healthy');
        return 0;
      }
      for (const problem of problems) deps.stderr(`smoke: ${problem}`);
      return 1;
    } finally {
      destroy(clients);
    }
  });
}
