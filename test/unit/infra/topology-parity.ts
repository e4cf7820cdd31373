/**
 * Compares what the Pulumi program registered (under mocks) with `shared/topology.ts`: every
 * queue (retention, visibility, redrive, who may send), every event source mapping, every
 * function's environment, every job and every bus rule. An empty answer is parity; each
 * difference is one line that names the resource, the setting, what was registered and what the
 * topology says.
 */
import { isDeepStrictEqual } from 'node:util';
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import { parseStackConfig, readStackConfigValues, type StackConfig } from '#shared/stack-config.ts';
import {
  topology,
  functionArn,
  functionEnvironment,
  functionName,
  mappingFunction,
  functionVariables,
  queueArn,
  ruleArn,
  ruleEventBusName,
  visibilityTimeoutSeconds,
  type QueueKey,
  type RuleKey,
  type QueueSender,
  type Topology,
} from '#shared/topology.ts';
import {
  ACCOUNT,
  PROJECT,
  REGION,
  policy,
  stackConfigFile,
  type ProgramRun,
  type RecordedResource,
} from './program.ts';

export interface ParityExpectation {
  readonly topology: Topology;
  readonly config: StackConfig;
}

/** What the topology says for `stack`, read from `Pulumi.<stack>.yaml` as the program reads it. */
export function stackExpectation(stack: string): ParityExpectation {
  const config = parseStackConfig(readStackConfigValues(stackConfigFile(stack)));
  return {
    topology: topology(
      { prefix: `${PROJECT}-${stack}`, region: REGION, accountId: ACCOUNT },
      config.notifications,
    ),
    config,
  };
}

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

/** One line per setting where `actual` differs from `expected` (both flat records). */
function differences(
  what: string,
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return keys
    .filter((key) => !isDeepStrictEqual(actual[key], expected[key]))
    .map(
      (key) => `${what}: ${key} is ${show(actual[key])}, the topology says ${show(expected[key])}`,
    );
}

function sameSet(what: string, actual: readonly string[], expected: readonly string[]): string[] {
  const extra = actual.filter((name) => !expected.includes(name));
  const missing = expected.filter((name) => !actual.includes(name));
  return [
    ...extra.map((name) => `${what}: ${name} is registered but not in the topology`),
    ...missing.map((name) => `${what}: ${name} is in the topology but not registered`),
  ];
}

const senderName = (sender: QueueSender): string =>
  'function' in sender
    ? `function ${sender.function}`
    : 'stateMachine' in sender
      ? `state machine ${sender.stateMachine}`
      : 'rule' in sender
        ? `rule ${sender.rule}`
        : `scheduler ${sender.scheduler}`;

/** Who the registered policies let send to each queue ARN. */
function registeredSenders(run: ProgramRun, topology: Topology): Map<string, Set<string>> {
  const senders = new Map<string, Set<string>>();
  const add = (arn: unknown, sender: string) => {
    for (const each of Array.isArray(arn) ? arn : [arn]) {
      const set = senders.get(String(each)) ?? new Set<string>();
      set.add(sender);
      senders.set(String(each), set);
    }
  };
  const roleSender = (name: string): string => {
    if (name === 'purchase-policy') return 'state machine purchase';
    if (name === 'scheduling-policy') return 'scheduler plans';
    if (name === 'scheduling-jobs-policy') return 'scheduler jobs';
    const fn = name.replace(/-policy$/, '');
    return fn in functionSpecs ? `function ${fn}` : `role policy ${name}`;
  };
  for (const rolePolicy of run.all('aws:iam/rolePolicy:RolePolicy')) {
    for (const statement of policy(rolePolicy.inputs.policy).Statement) {
      const actions = [statement.Action].flat();
      if (statement.Effect === 'Allow' && actions.includes('sqs:SendMessage')) {
        add(statement.Resource, roleSender(rolePolicy.name));
      }
    }
  }
  const rules = new Map(
    (Object.keys(topology.rules) as (keyof Topology['rules'])[]).map((key) => [
      ruleArn(topology, key),
      `rule ${key}`,
    ]),
  );
  for (const queuePolicy of run.all('aws:sqs/queuePolicy:QueuePolicy')) {
    for (const statement of policy(queuePolicy.inputs.policy).Statement) {
      const principal = statement.Principal as { Service?: string } | undefined;
      if (statement.Effect !== 'Allow' || principal?.Service !== 'events.amazonaws.com') continue;
      const condition = statement.Condition as
        { ArnEquals?: Record<string, string | string[]> } | undefined;
      for (const source of [condition?.ArnEquals?.['aws:SourceArn']].flat()) {
        add(statement.Resource, rules.get(String(source)) ?? `events from ${String(source)}`);
      }
    }
  }
  return senders;
}

function queueMismatches(run: ProgramRun, topology: Topology): string[] {
  const registered = run.all('aws:sqs/queue:Queue');
  const keys = Object.keys(topology.queues) as QueueKey[];
  const senders = registeredSenders(run, topology);
  return [
    ...sameSet(
      'queues',
      registered.map((queue) => String(queue.inputs.name)),
      keys.map((key) => topology.queues[key].name),
    ),
    ...keys.flatMap((key) => {
      const entry = topology.queues[key];
      const queue = registered.find((each) => each.inputs.name === entry.name);
      if (queue === undefined) return [];
      const { redrivePolicy } = queue.inputs;
      return [
        ...differences(
          `queue ${key}`,
          {
            messageRetentionSeconds: queue.inputs.messageRetentionSeconds,
            delaySeconds: queue.inputs.delaySeconds,
            visibilityTimeoutSeconds: queue.inputs.visibilityTimeoutSeconds,
            redrivePolicy:
              typeof redrivePolicy === 'string'
                ? (JSON.parse(redrivePolicy) as unknown)
                : undefined,
            senders: [...(senders.get(queueArn(topology, key)) ?? [])].sort(),
          },
          {
            messageRetentionSeconds: entry.messageRetentionSeconds,
            delaySeconds: entry.delaySeconds,
            visibilityTimeoutSeconds: visibilityTimeoutSeconds(entry),
            redrivePolicy:
              entry.deadLetter === undefined
                ? undefined
                : {
                    deadLetterTargetArn: queueArn(topology, entry.deadLetter.queue),
                    maxReceiveCount: entry.deadLetter.maxReceiveCount,
                  },
            senders: entry.senders.map(senderName).sort(),
          },
        ),
      ];
    }),
  ];
}

function eventSourceMismatches(run: ProgramRun, topology: Topology): string[] {
  const registered = run.all('aws:lambda/eventSourceMapping:EventSourceMapping');
  const entries = Object.entries(topology.eventSources);
  const streamArn = (table: string) =>
    `arn:aws:dynamodb:${topology.names.region}:${topology.names.accountId}:table/${topology.names.prefix}-${table}/stream/2026-01-01T00:00:00.000`;
  return [
    ...sameSet(
      'event sources',
      registered.map((mapping) => mapping.name),
      entries.map(([key]) => key),
    ),
    ...entries.flatMap(([key, entry]) => {
      const mapping = registered.find((each) => each.name === key);
      if (mapping === undefined) return [];
      const { tags: _tags, ...actual } = mapping.inputs;
      return differences(`event source ${key}`, actual, {
        eventSourceArn:
          entry.kind === 'queue' ? queueArn(topology, entry.queue) : streamArn(entry.table),
        functionName: mappingFunction(topology, entry.function),
        batchSize: entry.batchSize,
        maximumBatchingWindowInSeconds: entry.maximumBatchingWindowSeconds,
        functionResponseTypes: entry.reportBatchItemFailures
          ? ['ReportBatchItemFailures']
          : undefined,
        ...(entry.kind === 'queue'
          ? {
              scalingConfig:
                entry.maximumConcurrency === undefined
                  ? undefined
                  : { maximumConcurrency: entry.maximumConcurrency },
            }
          : {
              startingPosition: entry.startingPosition,
              bisectBatchOnFunctionError: entry.bisectBatchOnFunctionError,
              maximumRetryAttempts: entry.maximumRetryAttempts,
              maximumRecordAgeInSeconds: entry.maximumRecordAgeSeconds,
              destinationConfig: {
                onFailure: { destinationArn: queueArn(topology, entry.onFailure) },
              },
            }),
      });
    }),
  ];
}

/** The state of the one registered resource of `type` that `match` picks. */
function stateOf(run: ProgramRun, type: string, match: (resource: RecordedResource) => boolean) {
  const found = run.all(type).filter(match);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return (found[0] as RecordedResource).state;
}

function environmentMismatches(run: ProgramRun, { topology, config }: ParityExpectation): string[] {
  const { prefix } = topology.names;
  const secret = (suffix: string) => {
    const found = run
      .all('aws:secretsmanager/secret:Secret')
      .find((each) => each.inputs.name === `${prefix}/exchange/${config.exchange}${suffix}`);
    return found === undefined ? null : String(found.state.arn);
  };
  const application = run.one('aws:appconfig/application:Application');
  const variables = functionVariables(topology, config, {
    kmsKeyArn: String(run.one('aws:kms/key:Key', 'project-key').state.arn),
    retryQueueUrl: String(
      stateOf(
        run,
        'aws:sqs/queue:Queue',
        (each) => each.inputs.name === topology.queues['purchase-retries'].name,
      ).url,
    ),
    blockOrdersQueueUrl: String(
      stateOf(
        run,
        'aws:sqs/queue:Queue',
        (each) => each.inputs.name === topology.queues['block-orders'].name,
      ).url,
    ),
    flags: {
      application: `${application.name}-id`,
      environment: String(
        run.one('aws:appconfig/environment:Environment', 'flags-environment').state.environmentId,
      ),
      profile: String(
        run.one('aws:appconfig/configurationProfile:ConfigurationProfile', 'flags-profile').state
          .configurationProfileId,
      ),
      emergencyEnvironment: String(
        run.one('aws:appconfig/environment:Environment', 'flags-emergency-environment').state
          .environmentId,
      ),
      emergencyProfile: String(
        run.one(
          'aws:appconfig/configurationProfile:ConfigurationProfile',
          'flags-emergency-profile',
        ).state.configurationProfileId,
      ),
    },
    exchangeSecretArn: secret(''),
    readOnlyExchangeSecretArn: secret('/read-only'),
    smsProtectConfigurationId: null,
    auditSigningKeyArn: String(
      stateOf(run, 'aws:kms/key:Key', (each) => each.inputs.keyUsage === 'SIGN_VERIFY').arn,
    ),
    exchange: { kind: 'configured' },
  });
  return (Object.keys(functionSpecs) as FunctionName[]).flatMap((name) => {
    const fn = run.one('aws:lambda/function:Function', `${name}-function`);
    const {
      POWERTOOLS_SERVICE_NAME: _service,
      POWERTOOLS_METRICS_NAMESPACE: _namespace,
      ...actual
    } = (fn.inputs.environment as { variables: Record<string, unknown> }).variables;
    return differences(
      `function ${name}'s environment`,
      actual,
      functionEnvironment(name, variables),
    );
  });
}

function jobMismatches(run: ProgramRun, topology: Topology): string[] {
  const schedules = run.all('aws:scheduler/schedule:Schedule');
  const jobs = Object.entries(topology.jobs);
  return [
    ...sameSet(
      'jobs',
      schedules.map((schedule) => schedule.name.replace(/-schedule$/, '')),
      jobs.map(([name]) => name),
    ),
    ...jobs.flatMap(([name, job]) => {
      const schedule = schedules.find((each) => each.name === `${name}-schedule`);
      if (schedule === undefined) return [];
      const invokeConfig = run.one(
        'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
        `${name}-failures`,
      ).inputs;
      const target = schedule.inputs.target as Record<string, unknown>;
      return differences(
        `job ${name}`,
        {
          expression: schedule.inputs.scheduleExpression,
          description: schedule.inputs.description,
          target: target.arn,
          input: target.input,
          retryPolicy: target.retryPolicy,
          deadLetterQueue: (target.deadLetterConfig as { arn?: unknown } | undefined)?.arn,
          failedRuns: {
            functionName: invokeConfig.functionName,
            maximumRetryAttempts: invokeConfig.maximumRetryAttempts,
            destinationConfig: invokeConfig.destinationConfig,
          },
        },
        {
          expression: job.expression,
          description: job.description,
          target: functionArn(topology, name as FunctionName),
          input: job.input,
          retryPolicy: {
            maximumEventAgeInSeconds: job.retryPolicy.maximumEventAgeSeconds,
            maximumRetryAttempts: job.retryPolicy.maximumRetryAttempts,
          },
          deadLetterQueue: queueArn(topology, job.deadLetterQueue),
          failedRuns: {
            functionName: functionName(topology, name as FunctionName),
            maximumRetryAttempts: job.failedRuns.maximumRetryAttempts,
            destinationConfig: {
              onFailure: { destination: queueArn(topology, job.failedRuns.onFailure) },
            },
          },
        },
      );
    }),
  ];
}

function ruleMismatches(run: ProgramRun, topology: Topology): string[] {
  const { region, accountId, eventBus } = topology.names;
  // The topology declares the project bus's rules and those of its rules that live on the
  // account's default bus (`eventBus: 'default'`); the default bus has others that the local
  // stack has not (the audit-tampering rule, `monitoring-resources.test.ts`).
  const onDefaultBus = Object.values(topology.rules)
    .filter((rule) => rule.eventBus === 'default')
    .map((rule) => rule.name);
  const rules = run
    .all('aws:cloudwatch/eventRule:EventRule')
    .filter(
      (rule) =>
        rule.inputs.eventBusName === eventBus || onDefaultBus.includes(String(rule.inputs.name)),
    );
  const targets = run.all('aws:cloudwatch/eventTarget:EventTarget');
  const entries = Object.entries(topology.rules);
  return [
    ...sameSet(
      'rules',
      rules.map((rule) => String(rule.inputs.name)),
      entries.map(([, rule]) => rule.name),
    ),
    ...entries.flatMap(([key, rule]) => {
      const registered = rules.find((each) => each.inputs.name === rule.name);
      if (registered === undefined) return [];
      const ruleTargets = targets.filter((each) => each.inputs.rule === rule.name);
      const actualTargets = ruleTargets.map((target) => ({
        targetId: target.inputs.targetId,
        arn: target.inputs.arn,
        retryPolicy: target.inputs.retryPolicy,
        deadLetterQueue: (target.inputs.deadLetterConfig as { arn?: unknown } | undefined)?.arn,
      }));
      return differences(
        `rule ${key}`,
        {
          eventBusName: registered.inputs.eventBusName,
          description: registered.inputs.description,
          pattern: JSON.parse(String(registered.inputs.eventPattern)) as unknown,
          targets: actualTargets,
        },
        {
          eventBusName: ruleEventBusName(topology, key as RuleKey),
          description: rule.description,
          pattern: rule.pattern,
          targets: [
            {
              targetId: 'targetId' in rule.target ? rule.target.targetId : undefined,
              arn:
                'queue' in rule.target
                  ? queueArn(topology, rule.target.queue)
                  : `arn:aws:firehose:${region}:${accountId}:deliverystream/${rule.target.auditStream}`,
              retryPolicy: {
                maximumEventAgeInSeconds: rule.retryPolicy.maximumEventAgeSeconds,
                maximumRetryAttempts: rule.retryPolicy.maximumRetryAttempts,
              },
              deadLetterQueue: queueArn(topology, rule.deadLetterQueue),
            },
          ],
        },
      );
    }),
  ];
}

/** Every difference between the registered resources and the topology; empty: parity. */
export function topologyMismatches(run: ProgramRun, expected: ParityExpectation): string[] {
  return [
    ...queueMismatches(run, expected.topology),
    ...eventSourceMismatches(run, expected.topology),
    ...environmentMismatches(run, expected),
    ...jobMismatches(run, expected.topology),
    ...ruleMismatches(run, expected.topology),
  ];
}
