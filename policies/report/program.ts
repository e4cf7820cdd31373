/**
 * Runs a Pulumi program (by default the real one, `infra/index.ts`) under Pulumi's mocks with a
 * stack's own config file, recording every resource it registers with its inputs and the state
 * the mocks give back: no CLI, no cloud account. The compliance report evaluates the policy pack
 * on what it records, and the infra tests assert on it. Pulumi's runtime state is per process: run
 * one program per process (vitest isolates test files, so one per test file).
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks.js';
import { parse } from 'yaml';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';
export const PROJECT = 'savings-plan-buy';

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** A resource as the program registered it, with what the provider would have returned. */
export interface RecordedResource extends RegisteredResource {
  /** `urn:pulumi:<stack>::<project>::<type>::<name>` (parents are not part of it). */
  readonly urn: string;
  /** Inputs and the computed outputs (ARNs, ids), as a stack policy sees the resource. */
  readonly state: Record<string, unknown>;
  /** False for component resources (the program's own grouping, not cloud resources). */
  readonly custom: boolean;
  /** The explicit provider's reference (`<urn>::<id>`), when the resource names one. */
  readonly providerReference?: string;
  /** The inputs Pulumi leaves as they are after creation (the `ignoreChanges` option). */
  readonly ignoreChanges: readonly string[];
}

/**
 * Pulumi's mocks hand `newResource` the inputs but not the options: the request the program sent
 * has them, so the monitor is wrapped once to keep each resource's `ignoreChanges` by type and name.
 */
const ignoredChanges = new Map<string, string[]>();
const monitor = MockMonitor.prototype as unknown as {
  registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
  wrapped?: true;
};
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getIgnorechangesList(): string[];
}
if (monitor.wrapped !== true) {
  const register = monitor.registerResource;
  monitor.registerResource = function (this: unknown, req, callback) {
    ignoredChanges.set(`${req.getType()}::${req.getName()}`, req.getIgnorechangesList());
    return register.call(this, req, callback);
  };
  monitor.wrapped = true;
}

export interface ProgramRun {
  readonly stack: string;
  /** The config the program ran with: `Pulumi.<stack>.yaml` and the overrides, as Pulumi hands it. */
  readonly config: Readonly<Record<string, string>>;
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
  /** The one resource of `type` whose name is `name`; fails when absent or ambiguous. */
  one(type: string, name?: string): RecordedResource;
  all(type: string): RecordedResource[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The real program. */
export const INFRA_PROGRAM = join(ROOT, 'infra/index.ts');

/** The stacks that have a `Pulumi.<stack>.yaml`. */
export function stackConfigFile(stack: string): string {
  return join(ROOT, `Pulumi.${stack}.yaml`);
}

/** `Pulumi.<stack>.yaml` (or `file`) as the flat string map Pulumi hands a program. */
export function stackConfig(stack: string, file = stackConfigFile(stack)): Record<string, string> {
  const document = parse(readFileSync(file, 'utf8')) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(document.config).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

/** What the provider would compute: ARNs and ids, derived from names as AWS derives them. */
export function computedState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  switch (type) {
    case 'aws:kms/key:Key':
      return { arn: arn('kms', `key/${name}`), keyId: name };
    case 'aws:dynamodb/table:Table':
      return {
        arn: arn('dynamodb', `table/${String(inputs.name)}`),
        streamArn: arn('dynamodb', `table/${String(inputs.name)}/stream/2026-01-01T00:00:00.000`),
      };
    case 'aws:iam/role:Role': {
      // A role without a name gets one derived from the resource's (Pulumi's auto-naming).
      const roleName = typeof inputs.name === 'string' ? inputs.name : name;
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, name: roleName };
    }
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return {
        arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, '')}`,
      };
    case 'aws:appsync/graphQLApi:GraphQLApi':
      return {
        arn: arn('appsync', 'apis/api123'),
        uris: { GRAPHQL: `https://api123.appsync-api.${REGION}.amazonaws.com/graphql` },
      };
    case 'aws:appsync/function:Function':
      return { functionId: `${String(inputs.name)}-id` };
    case 'aws:cognito/userPool:UserPool':
      return { arn: arn('cognito-idp', `userpool/${REGION}_pool`) };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: arn('logs', `log-group:${String(inputs.name)}`) };
    case 'aws:lambda/function:Function': {
      // A function that publishes has version 1 after its first deployment.
      const version = inputs.publish === true ? '1' : '$LATEST';
      return {
        arn: arn('lambda', `function:${String(inputs.name)}`),
        invokeArn: `invoke:${String(inputs.name)}`,
        version,
        qualifiedArn: arn('lambda', `function:${String(inputs.name)}:${version}`),
      };
    }
    case 'aws:lambda/alias:Alias':
      return {
        arn: arn('lambda', `function:${String(inputs.functionName)}:${String(inputs.name)}`),
      };
    case 'aws:sfn/stateMachine:StateMachine': {
      const machine = arn('states', `stateMachine:${String(inputs.name)}`);
      return {
        arn: machine,
        // Version 1 when it publishes; the provider leaves the attribute empty otherwise.
        stateMachineVersionArn: inputs.publish === true ? `${machine}:1` : '',
      };
    }
    case 'aws:sfn/alias:Alias': {
      // An alias's ARN is its state machine's, qualified with its name.
      const [route] = (inputs.routingConfigurations ?? []) as { stateMachineVersionArn: string }[];
      const machine = (route?.stateMachineVersionArn ?? '').split(':').slice(0, 7).join(':');
      return { arn: `${machine}:${String(inputs.name)}` };
    }
    case 'aws:codedeploy/application:Application':
      return { arn: arn('codedeploy', `application:${String(inputs.name)}`) };
    case 'aws:codedeploy/deploymentGroup:DeploymentGroup':
      return {
        arn: arn(
          'codedeploy',
          `deploymentgroup:${String(inputs.appName)}/${String(inputs.deploymentGroupName)}`,
        ),
      };
    case 'aws:sqs/queue:Queue':
      return {
        arn: arn('sqs', String(inputs.name)),
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${String(inputs.name)}`,
      };
    case 'aws:cloudwatch/eventBus:EventBus':
      return { arn: arn('events', `event-bus/${String(inputs.name)}`) };
    case 'aws:scheduler/scheduleGroup:ScheduleGroup':
      return { arn: arn('scheduler', `schedule-group/${String(inputs.name)}`) };
    case 'aws:appconfig/environment:Environment':
      return { environmentId: `${name}-env` };
    case 'aws:appconfig/configurationProfile:ConfigurationProfile':
      return { configurationProfileId: `${name}-prof` };
    case 'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion':
      return { versionNumber: 1 };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: arn('secretsmanager', `secret:${String(inputs.name)}-AbCdEf`) };
    case 'aws:sesv2/emailIdentity:EmailIdentity':
      return {
        arn: arn('ses', `identity/${String(inputs.emailIdentity)}`),
        dkimSigningAttributes: { tokens: ['dkim-token-1', 'dkim-token-2', 'dkim-token-3'] },
      };
    case 'aws:cloudwatch/eventRule:EventRule':
      // A rule on the account's default bus has no bus in its ARN.
      return {
        arn: arn(
          'events',
          inputs.eventBusName === undefined || inputs.eventBusName === 'default'
            ? `rule/${String(inputs.name)}`
            : `rule/${String(inputs.eventBusName)}/${String(inputs.name)}`,
        ),
      };
    case 'aws:s3/bucket:Bucket':
      return { arn: `arn:aws:s3:::${String(inputs.bucket)}` };
    case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream':
      return { arn: arn('firehose', `deliverystream/${String(inputs.name)}`) };
    case 'aws:cloudwatch/eventArchive:EventArchive':
      return { arn: arn('events', `archive/${String(inputs.name)}`) };
    case 'aws:wafv2/webAcl:WebAcl':
      return { arn: arn('wafv2', `regional/webacl/${String(inputs.name)}/${name}-id`) };
    case 'aws:cloudtrail/trail:Trail':
      return { arn: arn('cloudtrail', `trail/${String(inputs.name)}`) };
    case 'aws:sns/topic:Topic':
      return { arn: arn('sns', String(inputs.name ?? name)) };
    case 'aws:cloudcontrol/resource:Resource':
      // Cloud Control's `properties`: the desired state with the read-only properties it adds.
      if (inputs.typeName !== 'AWS::SMSVOICE::ProtectConfiguration') return {};
      return {
        properties: JSON.stringify({
          ...(JSON.parse(String(inputs.desiredState)) as Record<string, unknown>),
          ProtectConfigurationId: resourceId(type, name),
          Arn: arn('sms-voice', `protect-configuration/${resourceId(type, name)}`),
        }),
      };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { arn: arn('cloudwatch', `alarm:${String(inputs.name ?? name)}`) };
    case 'aws:cloudwatch/compositeAlarm:CompositeAlarm':
      return { arn: arn('cloudwatch', `alarm:${String(inputs.alarmName ?? name)}`) };
    default:
      return {};
  }
}

function resourceId(type: string, name: string): string {
  if (type === 'aws:appsync/graphQLApi:GraphQLApi') return 'api123';
  if (type === 'aws:cognito/userPool:UserPool') return `${REGION}_pool`;
  return `${name}-id`;
}

export interface RunOptions {
  /** The program's entry module (default: the real program, `infra/index.ts`). */
  readonly program?: string;
  /** The program's Pulumi project, also its config namespace (default: {@link PROJECT}). */
  readonly project?: string;
  /** The stack's config file (default: the main project's `Pulumi.<stack>.yaml`). */
  readonly configFile?: string;
}

/**
 * Runs the program for `stack`, with `overrides` (the project's keys without their namespace,
 * another namespace's with it, e.g. `aws:allowedAccountIds`; null removes a key; values as in the
 * YAML) replacing the stack file's values.
 */
export async function runProgram(
  stack: string,
  overrides: Readonly<Record<string, unknown>> = {},
  options: RunOptions = {},
): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const project = options.project ?? PROJECT;
  const config = new Map(Object.entries(stackConfig(stack, options.configFile)));
  for (const [key, value] of Object.entries(overrides)) {
    // A key with a namespace (`aws:allowedAccountIds`) is taken as it is; null removes the key.
    const fullKey = key.includes(':') ? key : `${project}:${key}`;
    if (value === null) config.delete(fullKey);
    else config.set(fullKey, typeof value === 'string' ? value : JSON.stringify(value));
  }
  pulumi.runtime.setAllConfig(Object.fromEntries(config));
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const state = { ...inputs, ...computedState(args.type, args.name, inputs) };
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          urn: `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`,
          state,
          custom: args.custom !== false,
          ignoreChanges: ignoredChanges.get(`${args.type}::${args.name}`) ?? [],
          ...(args.provider === undefined || args.provider === ''
            ? {}
            : { providerReference: args.provider }),
        });
        return { id: resourceId(args.type, args.name), state };
      },
      call(args) {
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return {
              accountId: ACCOUNT,
              arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
              userId: 'deployer',
            };
          case 'aws:index/getRegion:getRegion':
            return { name: REGION, region: REGION, id: REGION };
          default:
            throw new Error(`unmocked call ${args.token}`);
        }
      },
    },
    project,
    stack,
    false,
  );
  const program = (await import(pathToFileURL(options.program ?? INFRA_PROGRAM).href)) as Record<
    string,
    unknown
  >;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    outputs[key] = pulumi.Output.isInstance(value)
      ? await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve))
      : value;
  }
  // Resources register asynchronously; wait until registration has settled.
  let count = -1;
  while (count !== resources.length) {
    count = resources.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const all = (type: string) => resources.filter((resource) => resource.type === type);
  return {
    stack,
    config: Object.fromEntries(config),
    resources,
    outputs,
    all,
    one(type, name) {
      const matches = all(type).filter((resource) => name === undefined || resource.name === name);
      if (matches.length !== 1) {
        throw new Error(
          `expected one ${type}${name === undefined ? '' : ` named ${name}`}, found ${matches.length}`,
        );
      }
      return matches[0] as RecordedResource;
    },
  };
}
