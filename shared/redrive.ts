/**
 * What redriving a dead-letter queue of the topology means, as data (no SDK import): which queues
 * can be redriven and how, and for a queue whose messages go back through their original target,
 * what each message is and how it is replayed. `scripts/lib/redrive.ts` carries the plans out
 * with the SDK clients, against AWS or the local stack.
 *
 * - A dead-letter queue of other SQS queues (its `deadLetter` in the topology) goes back to that
 *   queue: SQS's message move task, or one message at a time when a count is asked for. The
 *   notifications rule also dead-letters into `notifications-dlq`: those messages are the events
 *   themselves, which belong in the notifications queue too, so the destination is always given.
 *   The plan-change queue and its rule dead-letter there as well: the notifier reads either queue
 *   the same way (a dead letter's coalescing delay is long over), so they go back to the
 *   notifications queue too (the first queue declared with it as its dead-letter queue).
 * - `plans-dlq` holds the Scheduler's dead-letter events (plan slots and job runs) and the jobs'
 *   asynchronous on-failure records; `audit-dlq` the events the audit rule could not put on its
 *   stream. Each message is replayed through the target it missed.
 */
import {
  JOB_NAMES,
  functionArn,
  ruleArn,
  stateMachineAliasArn,
  stateMachineArn,
  unqualifiedStateMachineArn,
} from './topology.ts';
import type { QueueKey, Topology } from './topology.ts';

/** A queue name that is no dead-letter queue of the topology (or no queue of it at all). */
export class RedriveQueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedriveQueueError';
  }
}

/** How a dead-letter queue is redriven. */
export type RedriveQueue =
  | {
      readonly key: QueueKey;
      readonly name: string;
      readonly kind: 'move';
      /** The work queue whose dead letters these are. */
      readonly destination: QueueKey;
    }
  | { readonly key: QueueKey; readonly name: string; readonly kind: 'replay' };

/**
 * The dead-letter queue named by its topology key (`purchase-retries-dlq`) or its physical name.
 *
 * @throws RedriveQueueError for an unknown queue or a work queue.
 */
export function redriveQueue(topology: Topology, name: string): RedriveQueue {
  const keys = Object.keys(topology.queues) as QueueKey[];
  const key = keys.find((each) => each === name || topology.queues[each].name === name);
  const deadLetterQueues = keys.filter((each) => topology.queues[each].kind === 'dead-letter');
  if (key === undefined) {
    throw new RedriveQueueError(
      `unknown queue ${name}: redrive one of ${deadLetterQueues.join(', ')}`,
    );
  }
  const entry = topology.queues[key];
  if (entry.kind !== 'dead-letter') {
    throw new RedriveQueueError(
      `${key} is a work queue, not a dead-letter queue: redrive one of ${deadLetterQueues.join(', ')}`,
    );
  }
  const source = keys.find((each) => topology.queues[each].deadLetter?.queue === key);
  return source === undefined
    ? { key, name: entry.name, kind: 'replay' }
    : { key, name: entry.name, kind: 'move', destination: source };
}

/** A dead-lettered message as ReceiveMessage hands it out (string message attributes only). */
export interface DeadLetterMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** How one message of a replay queue goes back through its target. */
export type ReplayPlan =
  | {
      readonly kind: 'start-execution';
      readonly stateMachineArn: string;
      /** The Scheduler's input, as the schedule delivered it. */
      readonly input: string;
      readonly target: string;
    }
  | {
      readonly kind: 'invoke-async';
      readonly functionName: string;
      readonly payload: string;
      readonly target: string;
    }
  | {
      readonly kind: 'put-audit-record';
      readonly streamName: string;
      /** The event exactly as the rule puts it on the stream (no delimiter: the stream adds it). */
      readonly data: string;
      readonly target: string;
    }
  | { readonly kind: 'unknown'; readonly reason: string };

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The jobs' functions of the stack, by ARN (unqualified). */
function jobFunctions(topology: Topology): Map<string, string> {
  return new Map(
    JOB_NAMES.map((job) => [functionArn(topology, job), `${topology.names.prefix}-${job}`]),
  );
}

/**
 * A Scheduler dead-letter event: the body is the input the target missed, the message attributes
 * say which schedule and target (`SCHEDULE_ARN`, `TARGET_ARN`, `ERROR_CODE`, ...).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
 */
function schedulerReplay(
  topology: Topology,
  message: DeadLetterMessage,
  target: string,
): ReplayPlan {
  // Schedules target the `live` alias (older ones the state machine itself): either way the
  // replay starts the alias, as every starter does.
  if (unqualifiedStateMachineArn(target) === stateMachineArn(topology)) {
    return {
      kind: 'start-execution',
      stateMachineArn: stateMachineAliasArn(topology),
      input: message.body,
      target: `state machine ${topology.names.stateMachine}`,
    };
  }
  const functionName = jobFunctions(topology).get(target);
  if (functionName !== undefined) {
    return {
      kind: 'invoke-async',
      functionName,
      payload: message.body,
      target: `function ${functionName}`,
    };
  }
  return { kind: 'unknown', reason: `its target ${target} is not one of this stack's` };
}

/**
 * A Lambda asynchronous invocation record (the jobs' on-failure destination): `requestContext`
 * names the function (possibly qualified) and `requestPayload` is the event it failed on.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
function onFailureReplay(topology: Topology, record: Record<string, unknown>): ReplayPlan {
  const context = record.requestContext as Record<string, unknown> | undefined;
  const qualified = typeof context?.functionArn === 'string' ? context.functionArn : '';
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const arn = qualified.split(':').slice(0, 7).join(':');
  const functionName = jobFunctions(topology).get(arn);
  if (functionName === undefined) {
    return { kind: 'unknown', reason: `its function ${qualified} is not one of this stack's jobs` };
  }
  return {
    kind: 'invoke-async',
    functionName,
    payload: JSON.stringify(record.requestPayload ?? null),
    target: `function ${functionName}`,
  };
}

/**
 * How `message` of the replay queue `queue` is replayed. A target outside this stack, or a message
 * of no known shape, is `unknown`: it stays in the queue for a person.
 */
export function replayPlan(
  topology: Topology,
  queue: QueueKey,
  message: DeadLetterMessage,
): ReplayPlan {
  const { attributes } = message;
  if (queue === 'plans-dlq') {
    const target = attributes.TARGET_ARN;
    if (attributes.SCHEDULE_ARN !== undefined && target !== undefined) {
      return schedulerReplay(topology, message, target);
    }
    const record = parseObject(message.body);
    if (record !== undefined && 'requestContext' in record && 'requestPayload' in record) {
      return onFailureReplay(topology, record);
    }
    return {
      kind: 'unknown',
      reason: 'neither a Scheduler dead-letter event nor a Lambda on-failure record',
    };
  }
  if (queue === 'audit-dlq') {
    const rule = attributes.RULE_ARN;
    if (rule !== undefined && rule !== ruleArn(topology, 'audit')) {
      return { kind: 'unknown', reason: `it was dead-lettered by ${rule}, not the audit rule` };
    }
    const event = parseObject(message.body);
    if (event === undefined || typeof event.id !== 'string' || !('detail-type' in event)) {
      return { kind: 'unknown', reason: 'its body is not an EventBridge event' };
    }
    const target = topology.rules.audit.target;
    if (!('auditStream' in target)) {
      return { kind: 'unknown', reason: 'the audit rule has no stream' };
    }
    return {
      kind: 'put-audit-record',
      streamName: target.auditStream,
      data: message.body,
      target: `audit stream ${target.auditStream}`,
    };
  }
  return { kind: 'unknown', reason: `${queue} is not redriven by replay` };
}
