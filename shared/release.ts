/**
 * How changes reach customers: the `release` key of a stack's config (`Pulumi.<stack>.yaml`),
 * checked here, and what the program tells the release step (`npm run release`) through the
 * stack output `release`.
 *
 * Pulumi publishes a version of every function on the money path and of the purchase state
 * machine; callers reach them only through the alias {@link LIVE_ALIAS}. Pulumi creates each alias
 * once and never moves it again: the release step shifts it, through CodeDeploy for functions and
 * through the alias's routing for the state machine, watching the alarms that say purchases are
 * at risk, and rolls back when one fires. Feature flags reach the Lambdas through AppConfig, with
 * the stack's deployment strategy and the same alarms as monitors.
 */
import type { CanaryFunction } from './functions.ts';

/** The alias every caller of a released function or of the state machine goes through. */
export const LIVE_ALIAS = 'live';

/**
 * The function (its key in `functionSpecs`) CodeDeploy runs as the `BeforeAllowTraffic` hook of
 * every deployment: it exercises the new version before any traffic reaches it. Named here once,
 * so the CodeDeploy role and the stack output agree before the function exists.
 */
export const PRE_TRAFFIC_HOOK = 'pre-traffic';

/** CodeDeploy's predefined traffic-shifting configurations for Lambda (`CodeDeployDefault.Lambda<name>`). */
export const LAMBDA_DEPLOYMENTS = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;

export type LambdaDeployment = (typeof LAMBDA_DEPLOYMENTS)[number];

/** The CodeDeploy deployment configuration name of a {@link LambdaDeployment}. */
export function codeDeployConfigName(deployment: LambdaDeployment): string {
  return `CodeDeployDefault.Lambda${deployment}`;
}

/**
 * How the release step shifts the state machine's alias to a new version (Step Functions has no
 * CodeDeploy integration): `canary` sends `percent` of new executions to the new version for
 * `intervalMinutes`, then all; `linear` adds `percent` every `intervalMinutes`; `all-at-once`
 * moves the alias at once. Alarms are watched throughout and for `intervalMinutes` after.
 */
export type StateMachineDeployment =
  | { readonly type: 'all-at-once' }
  | {
      readonly type: 'canary' | 'linear';
      /** 1 to 99. */
      readonly percent: number;
      /** 1 to 60. */
      readonly intervalMinutes: number;
    };

/** AppConfig's predefined deployment strategies. */
export const FLAG_STRATEGIES = [
  'AppConfig.AllAtOnce',
  'AppConfig.Linear20PercentEvery6Minutes',
  'AppConfig.Canary10Percent20Minutes',
  'AppConfig.Linear50PercentEvery30Seconds',
] as const;

/**
 * How AppConfig deploys a new flags version: a predefined strategy, or a strategy of the stack's
 * own (AppConfig's `CreateDeploymentStrategy` fields).
 */
export type FlagDeployment =
  | { readonly strategy: (typeof FLAG_STRATEGIES)[number] }
  | {
      readonly growthType: 'LINEAR' | 'EXPONENTIAL';
      /** Percentage of targets per step (1 to 100). */
      readonly growthFactor: number;
      /** Total deployment time, 0 to 1440 minutes. */
      readonly deploymentMinutes: number;
      /** Alarm watch after 100 %, 0 to 1440 minutes. */
      readonly finalBakeMinutes: number;
    };

export interface ReleaseSettings {
  /** How CodeDeploy shifts the `live` alias of each released function. */
  readonly functions: LambdaDeployment;
  readonly stateMachine: StateMachineDeployment;
  readonly flags: FlagDeployment;
}

/** What a stack without a `release` key gets: gradual everywhere, as prod needs. */
export const DEFAULT_RELEASE: ReleaseSettings = {
  functions: 'Canary10Percent5Minutes',
  stateMachine: { type: 'canary', percent: 10, intervalMinutes: 5 },
  flags: { strategy: 'AppConfig.Linear20PercentEvery6Minutes' },
};

/** Thrown for a `release` value that is not what {@link parseReleaseSettings} accepts. */
export class ReleaseSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseSettingsError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function whole(value: unknown, key: string, min: number, max: number): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ReleaseSettingsError(`${key} must be a whole number from ${min} to ${max}`);
  }
  return number;
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], key: string): void {
  const extra = Object.keys(value).filter((name) => !known.includes(name));
  if (extra.length > 0) {
    throw new ReleaseSettingsError(
      `${key}: unknown key(s) ${extra.join(', ')} (${known.join(', ')})`,
    );
  }
}

function stateMachineDeployment(value: unknown): StateMachineDeployment {
  const key = 'release.stateMachine';
  if (!isRecord(value)) {
    throw new ReleaseSettingsError(
      `${key} must be a map such as {type: canary, percent: 10, intervalMinutes: 5} or {type: all-at-once}`,
    );
  }
  if (value.type === 'all-at-once') {
    unknownKeys(value, ['type'], key);
    return { type: 'all-at-once' };
  }
  if (value.type !== 'canary' && value.type !== 'linear') {
    throw new ReleaseSettingsError(`${key}.type must be canary, linear or all-at-once`);
  }
  unknownKeys(value, ['type', 'percent', 'intervalMinutes'], key);
  return {
    type: value.type,
    percent: whole(value.percent, `${key}.percent`, 1, 99),
    intervalMinutes: whole(value.intervalMinutes, `${key}.intervalMinutes`, 1, 60),
  };
}

function flagDeployment(value: unknown): FlagDeployment {
  const key = 'release.flags';
  if (typeof value === 'string') {
    if (!(FLAG_STRATEGIES as readonly string[]).includes(value)) {
      throw new ReleaseSettingsError(
        `${key} must be one of ${FLAG_STRATEGIES.join(', ')}, or a map {growthType, growthFactor, deploymentMinutes, finalBakeMinutes}`,
      );
    }
    return { strategy: value as (typeof FLAG_STRATEGIES)[number] };
  }
  if (!isRecord(value)) {
    throw new ReleaseSettingsError(
      `${key} must be an AppConfig strategy name (${FLAG_STRATEGIES.join(', ')}) or a map {growthType, growthFactor, deploymentMinutes, finalBakeMinutes}`,
    );
  }
  unknownKeys(value, ['growthType', 'growthFactor', 'deploymentMinutes', 'finalBakeMinutes'], key);
  if (value.growthType !== 'LINEAR' && value.growthType !== 'EXPONENTIAL') {
    throw new ReleaseSettingsError(`${key}.growthType must be LINEAR or EXPONENTIAL`);
  }
  return {
    growthType: value.growthType,
    growthFactor: whole(value.growthFactor, `${key}.growthFactor`, 1, 100),
    deploymentMinutes: whole(value.deploymentMinutes, `${key}.deploymentMinutes`, 0, 1440),
    finalBakeMinutes: whole(value.finalBakeMinutes, `${key}.finalBakeMinutes`, 0, 1440),
  };
}

/** Checks the `release` key (parsed YAML or JSON); what it leaves out takes {@link DEFAULT_RELEASE}. */
export function parseReleaseSettings(raw: unknown): ReleaseSettings {
  const value = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(value)) throw new ReleaseSettingsError('release must be a map');
  unknownKeys(value, ['functions', 'stateMachine', 'flags'], 'release');
  const functions = value.functions ?? DEFAULT_RELEASE.functions;
  if (!(LAMBDA_DEPLOYMENTS as readonly unknown[]).includes(functions)) {
    throw new ReleaseSettingsError(
      `release.functions must be one of ${LAMBDA_DEPLOYMENTS.join(', ')} (CodeDeploy's Lambda configurations)`,
    );
  }
  return {
    functions: functions as LambdaDeployment,
    stateMachine:
      value.stateMachine === undefined
        ? DEFAULT_RELEASE.stateMachine
        : stateMachineDeployment(value.stateMachine),
    flags: value.flags === undefined ? DEFAULT_RELEASE.flags : flagDeployment(value.flags),
  };
}

/** One released function, as the stack output `release` lists it. */
export interface ReleasedFunction {
  /** The function's key in `functionSpecs` (`place-order`). */
  readonly function: string;
  /** Its deployed name (`savings-plan-buy-prod-place-order`). */
  readonly functionName: string;
  /** The version Pulumi published last: what `live` should point at when the release is done. */
  readonly version: string;
  /** The CodeDeploy deployment group that shifts its alias. */
  readonly deploymentGroup: string;
}

/**
 * The stack output `release`: everything `npm run release -- --stack <stack>` needs, read with
 * `pulumi stack output release --json`.
 */
export interface ReleaseTargets {
  readonly alias: typeof LIVE_ALIAS;
  /** The CodeDeploy application (compute platform Lambda) of the stack. */
  readonly codeDeployApplication: string;
  /** CodeDeploy's configuration name for every group (`CodeDeployDefault.LambdaCanary10Percent5Minutes`). */
  readonly deploymentConfig: string;
  /** The function CodeDeploy runs as the `BeforeAllowTraffic` hook of every deployment. */
  readonly preTrafficHook: string;
  readonly functions: readonly ReleasedFunction[];
  readonly stateMachine: {
    /** Unqualified ARN of the state machine. */
    readonly arn: string;
    /** `<arn>:live`, which the schedules and the retry dispatcher start. */
    readonly aliasArn: string;
    /** The version Pulumi published last (`<arn>:<n>`). */
    readonly versionArn: string;
    readonly deployment: StateMachineDeployment;
    /** The alarms (names) whose ALARM state rolls the state machine's alias back. */
    readonly alarms: readonly string[];
  };
}

/**
 * The stack's CodeDeploy application (compute platform Lambda): one per stack,
 * `<prefix>-releases` (`savings-plan-buy-prod-releases`). Its deployment groups (one per released
 * function) are what the pre-traffic hook may read and report on (`infra/permissions.ts`).
 */
export function codeDeployApplicationName(prefix: string): string {
  return `${prefix}-releases`;
}

export type { CanaryFunction };

/**
 * The request place-order answers without doing anything (its only request that is not an
 * order): it reads the run record of a slot that cannot exist and stops. Every order the
 * workflow sends fails validation long before it could look like this, and this never reaches
 * the idempotency store, the exchange or a write.
 */
export const PLACE_ORDER_PROBE = { probe: 'pre-traffic' } as const;

/** What place-order answers {@link PLACE_ORDER_PROBE}: whether the run it read exists. */
export interface PlaceOrderProbeAnswer {
  readonly probe: typeof PLACE_ORDER_PROBE.probe;
  readonly runFound: boolean;
}

/** The answer of a working place-order: it could read its table, and found nothing. */
export const PLACE_ORDER_PROBE_ANSWER: PlaceOrderProbeAnswer = {
  probe: 'pre-traffic',
  runFound: false,
};

/** Whether an event is exactly `{ probe: 'pre-traffic' }`: an object with that one key. */
function isProbe(event: unknown): event is { readonly probe: 'pre-traffic' } {
  return (
    event !== null &&
    typeof event === 'object' &&
    !Array.isArray(event) &&
    Object.keys(event).length === 1 &&
    (event as Record<string, unknown>).probe === 'pre-traffic'
  );
}

/** Whether an event is exactly {@link PLACE_ORDER_PROBE} (a real order with an extra field is not). */
export function isPlaceOrderProbe(event: unknown): event is typeof PLACE_ORDER_PROBE {
  return isProbe(event);
}

/**
 * The request join-block answers without joining anything (aggregated mode's step after Decide):
 * every slot it is given first sends its block's message and then writes the slot's execution, so
 * a harmless request has to stop before both. It reads the execution of a slot no plan has and
 * stops, in either execution mode (a per-slot stack deploys and releases join-block too). Every
 * event the workflow sends names a user, a plan and a slot, so none looks like this.
 */
export const JOIN_BLOCK_PROBE = { probe: 'pre-traffic' } as const;

/** What join-block answers {@link JOIN_BLOCK_PROBE}: whether the execution it read exists. */
export interface JoinBlockProbeAnswer {
  readonly probe: typeof JOIN_BLOCK_PROBE.probe;
  readonly executionFound: boolean;
}

/** The answer of a working join-block: it could read the executions table, and found nothing. */
export const JOIN_BLOCK_PROBE_ANSWER: JoinBlockProbeAnswer = {
  probe: 'pre-traffic',
  executionFound: false,
};

/** Whether an event is exactly {@link JOIN_BLOCK_PROBE} (a slot with an extra field is not). */
export function isJoinBlockProbe(event: unknown): event is typeof JOIN_BLOCK_PROBE {
  return isProbe(event);
}

/** A harmless request for a released function, and the one answer that says it works. */
export interface PreTrafficRequest {
  /** The event the hook invokes the new version with. */
  readonly event: unknown;
  /** The function's answer, exactly (JSON); anything else, or a function error, fails the release. */
  readonly expect: unknown;
}

/** A stream or queue batch with no records, answered with no failed item. */
const EMPTY_BATCH: PreTrafficRequest = {
  event: { Records: [] },
  expect: { batchItemFailures: [] },
};

/**
 * What the pre-traffic hook sends the new version of each released function before CodeDeploy
 * shifts any traffic to it: a request the real handler answers without a side effect (no table
 * written, no order, no event, no message, no schedule changed), that still runs its cold start
 * (configuration checked, clients created), its event parsing and its code path to an answer.
 * The integration test `test/integration/release/pre-traffic-requests.test.ts` proves each one
 * harmless against the local stack.
 */
export const PRE_TRAFFIC_REQUESTS: Readonly<Record<CanaryFunction, PreTrafficRequest>> = {
  // A stream batch with no records: the batch processor runs and reports no failures.
  'schedule-sync': EMPTY_BATCH,
  // A slot whose plan is gone (the workflow's GetItem found nothing): the flags are read and the
  // decision is to skip. Deciding writes nothing; the workflow records decisions, not this step.
  decide: {
    event: {
      plan: {},
      planId: 'pre-traffic',
      userId: 'pre-traffic',
      scheduledFor: '2000-01-01T00:00:00.000Z',
      version: 0,
    },
    expect: {
      action: 'SKIP',
      code: 'PLAN_DELETED',
      reason: 'The plan was deleted before this run.',
      amount: null,
      currency: null,
    },
  },
  // Every order event goes through the idempotency store (a write) before it can be refused, so
  // place-order has an explicit probe that stops before it.
  'place-order': { event: PLACE_ORDER_PROBE, expect: PLACE_ORDER_PROBE_ANSWER },
  // Every slot it is given sends its block's message and writes (the join), so join-block has an
  // explicit probe that reads one execution and stops before both.
  'join-block': { event: JOIN_BLOCK_PROBE, expect: JOIN_BLOCK_PROBE_ANSWER },
  // A queue batch with no blocks: nothing is sealed, ordered or sent, in either execution mode.
  'block-worker': EMPTY_BATCH,
  // A queue batch with no messages: the breaker is read, nothing is started or sent back.
  'retry-dispatcher': EMPTY_BATCH,
  // A queue batch with no events: nothing is claimed or sent.
  notifier: EMPTY_BATCH,
};
