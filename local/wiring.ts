/**
 * The local stack's wiring, read from `shared/topology.ts` as the deploy reads it: every queue
 * with its retention, visibility and redrive; every event source mapping with its batch size,
 * batching window, maximum concurrency, retries, bisecting, maximum record age and on-failure
 * destination; every recurring job; every bus rule; every function's environment. Nothing here
 * restates a setting: a change to an entry changes the deploy and the local stack together.
 */
import type { FunctionName, FunctionVariable } from '#shared/functions.ts';
import type { StackConfig } from '#shared/stack-config.ts';
import { plansTable, tableName } from '#shared/tables.ts';
import {
  functionArn,
  functionEnvironment,
  functionVariables,
  JOB_NAMES,
  queueArn,
  ruleEventBusName,
  ruleMatches,
  visibilityTimeoutSeconds,
  type EnvironmentResources,
  type EventSourceKey,
  type QueueKey,
  type RuleKey,
  type Topology,
} from '#shared/topology.ts';
import type { WorkInFlight } from './clock-driver.ts';
import type { LocalEventBus, StoredEvent } from './services/eventbridge.ts';
import { toEventEnvelope } from './services/eventbridge.ts';
import type { LocalLambda } from './services/lambda.ts';
import type { LocalSqs } from './services/sqs.ts';
import { LocalSqsEventSource } from './services/sqs-event-source.ts';
import { LocalStreamMapping, onFailureRecord, type StreamFailure } from './services/streams.ts';

/** A queue of the topology, as the local SQS holds it. */
export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
}

/**
 * Creates every queue of the topology in the local SQS (dead-letter queues first, so a redrive
 * policy names a queue that exists); answers each one's URL and ARN.
 */
export function createQueues(sqs: LocalSqs, topology: Topology): Record<QueueKey, LocalQueue> {
  const created = {} as Record<QueueKey, LocalQueue>;
  const entries = (Object.keys(topology.queues) as QueueKey[]).sort(
    (a, b) =>
      Number(topology.queues[a].kind === 'work') - Number(topology.queues[b].kind === 'work'),
  );
  for (const key of entries) {
    const entry = topology.queues[key];
    const visibility = visibilityTimeoutSeconds(entry);
    const url = sqs.createQueue(entry.name, {
      MessageRetentionPeriod: String(entry.messageRetentionSeconds),
      ...(entry.delaySeconds === undefined ? {} : { DelaySeconds: String(entry.delaySeconds) }),
      ...(visibility === undefined ? {} : { VisibilityTimeout: String(visibility) }),
      ...(entry.deadLetter === undefined
        ? {}
        : {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: queueArn(topology, entry.deadLetter.queue),
              maxReceiveCount: entry.deadLetter.maxReceiveCount,
            }),
          }),
    });
    created[key] = { url, arn: sqs.queueArnOf(url) };
  }
  return created;
}

/** The value of every function's environment locally: the topology's, with the local stand-ins. */
export function localEnvironments(
  topology: Topology,
  config: StackConfig,
  resources: EnvironmentResources<string>,
): {
  variables: Record<FunctionVariable, string>;
  of: (name: FunctionName) => Record<string, string>;
} {
  const variables = functionVariables(topology, config, resources);
  return { variables, of: (name) => functionEnvironment(name, variables) };
}

export interface EventSourceWiring {
  readonly sqs: LocalSqs;
  readonly queues: Readonly<Record<QueueKey, LocalQueue>>;
  readonly lambda: (name: FunctionName) => Pick<LocalLambda, 'invoke'>;
  readonly work: WorkInFlight;
  /** The local clock (epoch ms). */
  readonly now: () => number;
  readonly dynamodbEndpoint: string;
  /** Every batch a stream mapping gave up on, besides its on-failure queue (`/_local/dead-letters`). */
  readonly onStreamFailure: (failure: StreamFailure) => void;
  readonly streamPollIntervalMs: number;
  readonly log: (line: string) => void;
}

export interface LocalEventSources {
  readonly streams: readonly LocalStreamMapping[];
  readonly queues: readonly LocalSqsEventSource[];
  readonly byKey: Readonly<Record<EventSourceKey, LocalStreamMapping | LocalSqsEventSource>>;
}

/** Every event source mapping of the topology, with exactly its entry's settings. */
export function createEventSources(
  topology: Topology,
  wiring: EventSourceWiring,
): LocalEventSources {
  const byKey = {} as Record<EventSourceKey, LocalStreamMapping | LocalSqsEventSource>;
  const streams: LocalStreamMapping[] = [];
  const queues: LocalSqsEventSource[] = [];
  for (const [key, entry] of Object.entries(topology.eventSources) as [
    EventSourceKey,
    Topology['eventSources'][EventSourceKey],
  ][]) {
    const lambda = wiring.lambda(entry.function);
    if (entry.kind === 'queue') {
      const source = new LocalSqsEventSource({
        sqs: wiring.sqs,
        queueArn: wiring.queues[entry.queue].arn,
        batchSize: entry.batchSize,
        invoke: (event) => lambda.invoke(event),
        reportBatchItemFailures: entry.reportBatchItemFailures,
        work: wiring.work,
        ...(entry.maximumConcurrency === undefined
          ? {}
          : { maximumConcurrency: entry.maximumConcurrency }),
        ...(entry.maximumBatchingWindowSeconds === undefined
          ? {}
          : { maximumBatchingWindowSeconds: entry.maximumBatchingWindowSeconds }),
        now: wiring.now,
      });
      queues.push(source);
      byKey[key] = source;
      continue;
    }
    if (entry.table !== plansTable.name || !entry.reportBatchItemFailures) {
      throw new Error(
        `event source ${key}: the local stream mapping reads the plans table with partial batch responses`,
      );
    }
    const onFailure = wiring.queues[entry.onFailure];
    const stream = new LocalStreamMapping({
      endpoint: wiring.dynamodbEndpoint,
      tableName: tableName(topology.names.prefix, plansTable),
      lambda,
      batchSize: entry.batchSize,
      ...(entry.maximumBatchingWindowSeconds === undefined
        ? {}
        : { maximumBatchingWindowSeconds: entry.maximumBatchingWindowSeconds }),
      maximumRetryAttempts: entry.maximumRetryAttempts,
      maximumRecordAgeSeconds: entry.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: entry.bisectBatchOnFunctionError,
      now: wiring.now,
      onFailure: (failure) => {
        wiring.onStreamFailure(failure);
        wiring.sqs.send(
          onFailure.url,
          JSON.stringify(
            onFailureRecord(failure, functionArn(topology, entry.function), new Date(wiring.now())),
          ),
        );
      },
      pollIntervalMs: wiring.streamPollIntervalMs,
      log: wiring.log,
    });
    streams.push(stream);
    byKey[key] = stream;
  }
  return { streams, queues, byKey };
}

/**
 * Where each rule's target is locally: a queue of the topology, or the audit trail's store
 * (which stands in for the Firehose stream into the Object Lock bucket).
 */
export interface RuleTargets {
  readonly sqs: LocalSqs;
  readonly queues: Readonly<Record<QueueKey, LocalQueue>>;
  readonly auditStream: (event: StoredEvent) => void;
  /**
   * Told of each rule's deliveries, as EventBridge counts them (`AWS/Events`): an event the rule
   * matched, and one it could not deliver (sent to the rule's dead-letter queue, or not even that).
   */
  readonly observe?: (rule: RuleKey, outcome: RuleOutcome) => void;
}

/** What became of an event a rule matched. */
export type RuleOutcome = 'delivered' | 'sent-to-dead-letters' | 'lost';

/**
 * Subscribes every rule of the topology to the local bus; answers the rules' keys in order. A
 * rule sees only the events of its own bus (the project's, or the account's default bus where
 * AWS services publish: `eventBus` in its entry), as in EventBridge.
 */
export function subscribeRules(
  topology: Topology,
  eventBus: LocalEventBus,
  targets: RuleTargets,
): RuleKey[] {
  const keys = Object.keys(topology.rules) as RuleKey[];
  for (const key of keys) {
    const rule = topology.rules[key];
    const { target } = rule;
    const busName = ruleEventBusName(topology, key);
    eventBus.subscribe((event) => {
      if (event.eventBusName !== busName || !ruleMatches(rule, event)) return;
      try {
        if ('queue' in target) {
          targets.sqs.send(
            targets.queues[target.queue].url,
            JSON.stringify(toEventEnvelope(event)),
          );
        } else {
          targets.auditStream(event);
        }
      } catch (error) {
        // A target that refuses the event: EventBridge gives up on it (locally at once, its
        // retries could not succeed in-process) and puts it in the rule's dead-letter queue.
        try {
          targets.sqs.send(
            targets.queues[rule.deadLetterQueue].url,
            JSON.stringify(toEventEnvelope(event)),
          );
          targets.observe?.(key, 'sent-to-dead-letters');
        } catch {
          targets.observe?.(key, 'lost');
        }
        throw error;
      }
      targets.observe?.(key, 'delivered');
    });
  }
  return keys;
}

/**
 * When each job first runs locally. On AWS a `rate()` schedule starts when it is created; locally
 * the daily and hourly jobs are placed where an operator expects them (reconciliation shortly
 * after midnight UTC for the day before; the audit digest after the day has ended an hour ago;
 * the monthly report after that), and the frequent ones one interval after the stack starts.
 */
const LOCAL_FIRST_RUN: Readonly<
  Record<
    (typeof JOB_NAMES)[number],
    { readonly from: 'start' | 'midnight'; readonly minutes: number }
  >
> = {
  sweeper: { from: 'start', minutes: 5 },
  completer: { from: 'start', minutes: 10 },
  reconcile: { from: 'midnight', minutes: 15 },
  'audit-digest': { from: 'midnight', minutes: 65 },
  'audit-report': { from: 'midnight', minutes: 125 },
};

/** A CreateSchedule request for each job of the topology (the local scheduler's API body). */
export function jobScheduleRequests(
  topology: Topology,
  now: number,
): { readonly name: string; readonly body: Record<string, unknown> }[] {
  const { prefix, scheduleGroup, accountId, schedulerRoles } = topology.names;
  const minute = 60_000;
  const nextMidnight = Math.ceil(now / (1440 * minute)) * 1440 * minute;
  return JOB_NAMES.map((job) => {
    const entry = topology.jobs[job];
    const first = LOCAL_FIRST_RUN[job];
    const start = (first.from === 'start' ? now : nextMidnight) + first.minutes * minute;
    // Locally named `<prefix>-<job>`, as `GET /_local/schedules` has always listed them.
    const name = `${prefix}-${job}`;
    return {
      name,
      body: {
        ClientToken: name,
        GroupName: scheduleGroup,
        ScheduleExpression: entry.expression,
        Description: entry.description,
        StartDate: Math.floor(start / 1000),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: functionArn(topology, job),
          RoleArn: `arn:aws:iam::${accountId}:role/${schedulerRoles.jobs}`,
          Input: entry.input,
          RetryPolicy: {
            MaximumEventAgeInSeconds: entry.retryPolicy.maximumEventAgeSeconds,
            MaximumRetryAttempts: entry.retryPolicy.maximumRetryAttempts,
          },
          DeadLetterConfig: { Arn: queueArn(topology, entry.deadLetterQueue) },
        },
      },
    };
  });
}
