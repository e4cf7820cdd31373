/**
 * Redrive of a dead-letter queue, with the real SDK clients: against a deployed stack (`npm run
 * redrive`) or the local stack (`--local`, and `POST /_local/dead-letters/redrive`, which runs
 * this same code). What each queue and message means is decided in `shared/redrive.ts`; this
 * module carries it out and reports every message it moved or replayed.
 *
 * Safe to run again and again: the purchase path is idempotent per slot (a slot's client order id
 * is derived from the plan and the slot, the workflow reads the exchange by it before it orders),
 * so a slot that was bought meanwhile is not bought twice, and a message is deleted only after
 * its replay was accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FirehoseClient, PutRecordCommand } from '@aws-sdk/client-firehose';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parse } from 'yaml';
import {
  replayPlan,
  redriveQueue,
  type DeadLetterMessage,
  type ReplayPlan,
} from '#shared/redrive.ts';
import { PROJECT } from '#shared/stack-config.ts';
import {
  queueArn,
  topology as stackTopology,
  type QueueKey,
  type Topology,
} from '#shared/topology.ts';

/** The clients a redrive uses; each pointed at AWS or at the local stack. */
export interface RedriveClients {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
  readonly firehose: FirehoseClient;
}

/** What happened (or, in a dry run, would happen) to a message. */
export type RedriveAction = 'moved' | 'replayed' | 'would move' | 'would replay';

/** One line of the report. */
export interface RedriveRow {
  readonly id: string;
  readonly target: string;
  readonly action: RedriveAction;
}

/**
 * The report (the body of `POST /_local/dead-letters/redrive`): `moved` counts the messages that
 * left the queue; `left` the messages kept in it, with why.
 */
export interface RedriveResult {
  readonly queue: QueueKey;
  readonly moved: number;
  readonly messages: readonly RedriveRow[];
  readonly left: readonly { readonly id: string; readonly reason: string }[];
}

export interface RedriveOptions {
  readonly topology: Topology;
  /** A dead-letter queue: its topology key or its physical name. */
  readonly queue: string;
  readonly dryRun?: boolean;
  /** Messages to move or replay at most. */
  readonly max?: number;
  /** Progress, a line at a time (the script writes it to stderr). */
  readonly progress?: (line: string) => void;
  /** How often a move task is looked at. Default 1000 ms. */
  readonly pollIntervalMs?: number;
}

/** How long a message received for a redrive stays hidden from other consumers. */
const HIDE_SECONDS = 300;
const BATCH = 10;

/**
 * Redrives the dead-letter queue `options.queue`: a dead-letter queue of another SQS queue goes
 * back to it (a message move task; with `max`, one message at a time, as the move task takes no
 * count), the others are replayed message by message through the target they missed.
 *
 * @throws RedriveQueueError for a queue that is not a dead-letter queue of the topology.
 */
export async function redrive(
  clients: RedriveClients,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const queue = redriveQueue(options.topology, options.queue);
  const progress = options.progress ?? (() => undefined);
  const url = await queueUrl(clients.sqs, queue.name);
  if (queue.kind === 'replay') return replay(clients, options, queue.key, url, progress);
  const destination = options.topology.queues[queue.destination];
  const target = `queue ${destination.name}`;
  if (options.dryRun === true || options.max !== undefined) {
    return moveOneByOne(clients.sqs, options, queue.key, url, {
      url: await queueUrl(clients.sqs, destination.name),
      target,
    });
  }
  // Listed first for the report: the task itself names no message.
  const seen = await peek(clients.sqs, url, Number.POSITIVE_INFINITY);
  progress(`${queue.key}: ${seen.length} message(s); starting a message move task to ${target}`);
  await clients.sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: queueArn(options.topology, queue.key),
      DestinationArn: queueArn(options.topology, queue.destination),
    }),
  );
  const moved = await watchMoveTask(clients.sqs, options, queue.key, progress);
  return {
    queue: queue.key,
    moved,
    messages: seen.slice(0, moved).map((id) => ({ id, target, action: 'moved' })),
    left: [],
  };
}

async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`GetQueueUrl answered no URL for ${name}`);
  return QueueUrl;
}

/** Receives up to `count` messages (at most ten at a time), hiding them while the redrive runs. */
async function receive(sqs: SQSClient, url: string, count: number): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: Math.max(1, Math.min(BATCH, count)),
      VisibilityTimeout: HIDE_SECONDS,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    }),
  );
  return Messages ?? [];
}

/** Makes a message received for the redrive visible again at once. */
async function release(sqs: SQSClient, url: string, message: Message): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: url,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: 0,
    }),
  );
}

/** The ids of up to `limit` messages of the queue, which stays as it was. */
async function peek(sqs: SQSClient, url: string, limit: number): Promise<string[]> {
  const held: Message[] = [];
  for (;;) {
    const batch = await receive(sqs, url, limit - held.length);
    held.push(...batch);
    if (batch.length === 0 || held.length >= limit) break;
  }
  for (const message of held) await release(sqs, url, message);
  return held.map((message) => message.MessageId ?? '');
}

async function watchMoveTask(
  sqs: SQSClient,
  options: RedriveOptions,
  key: QueueKey,
  progress: (line: string) => void,
): Promise<number> {
  for (;;) {
    const { Results } = await sqs.send(
      new ListMessageMoveTasksCommand({
        SourceArn: queueArn(options.topology, key),
        MaxResults: 1,
      }),
    );
    const task = Results?.[0];
    if (task === undefined) throw new Error(`ListMessageMoveTasks lists no task for ${key}`);
    const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
    progress(
      `${key}: ${task.Status ?? '?'}, ${moved} of ${task.ApproximateNumberOfMessagesToMove ?? '?'} moved`,
    );
    if (task.Status === 'COMPLETED') return moved;
    if (task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      throw new Error(
        `the message move task of ${key} ended ${task.Status ?? 'without a status'} after ${moved} message(s): ${task.FailureReason ?? 'no reason given'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1000));
  }
}

function attributesOf(message: Message): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.StringValue === undefined ? [] : [[name, value.StringValue]],
    ),
  );
}

/** Receive, send to the destination, delete: one message at a time, up to `max`. */
async function moveOneByOne(
  sqs: SQSClient,
  options: RedriveOptions,
  key: QueueKey,
  url: string,
  destination: { readonly url: string; readonly target: string },
): Promise<RedriveResult> {
  const progress = options.progress ?? (() => undefined);
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const rows: RedriveRow[] = [];
  const held: Message[] = [];
  while (rows.length < max) {
    const batch = await receive(sqs, url, max - rows.length);
    if (batch.length === 0) break;
    for (const message of batch) {
      const id = message.MessageId ?? '';
      if (options.dryRun === true) {
        held.push(message);
        rows.push({ id, target: destination.target, action: 'would move' });
        continue;
      }
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: destination.url,
          MessageBody: message.Body,
          ...(message.MessageAttributes === undefined
            ? {}
            : { MessageAttributes: message.MessageAttributes }),
        }),
      );
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
      );
      rows.push({ id, target: destination.target, action: 'moved' });
      progress(`${key}: moved ${id} to ${destination.target} (${rows.length})`);
    }
  }
  for (const message of held) await release(sqs, url, message);
  return {
    queue: key,
    moved: options.dryRun === true ? 0 : rows.length,
    messages: rows,
    left: [],
  };
}

/** Sends a message's replay to its target; resolves once the target accepted it. */
async function carryOut(clients: RedriveClients, plan: ReplayPlan): Promise<void> {
  if (plan.kind === 'start-execution') {
    await clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: plan.stateMachineArn, input: plan.input }),
    );
  } else if (plan.kind === 'invoke-async') {
    const { StatusCode } = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: plan.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(plan.payload),
      }),
    );
    if (StatusCode !== 202) throw new Error(`Lambda answered ${String(StatusCode)}, not 202`);
  } else if (plan.kind === 'put-audit-record') {
    await clients.firehose.send(
      new PutRecordCommand({
        DeliveryStreamName: plan.streamName,
        Record: { Data: Buffer.from(plan.data) },
      }),
    );
  }
}

async function replay(
  clients: RedriveClients,
  options: RedriveOptions,
  key: QueueKey,
  url: string,
  progress: (line: string) => void,
): Promise<RedriveResult> {
  const { sqs } = clients;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const rows: RedriveRow[] = [];
  const left: { id: string; reason: string }[] = [];
  const held: Message[] = [];
  while (rows.length < max) {
    const batch = await receive(sqs, url, max - rows.length);
    if (batch.length === 0) break;
    for (const message of batch) {
      const letter: DeadLetterMessage = {
        id: message.MessageId ?? '',
        body: message.Body ?? '',
        attributes: attributesOf(message),
      };
      const plan = replayPlan(options.topology, key, letter);
      if (plan.kind === 'unknown' || rows.length >= max) {
        held.push(message);
        if (plan.kind === 'unknown') left.push({ id: letter.id, reason: plan.reason });
        continue;
      }
      if (options.dryRun === true) {
        held.push(message);
        rows.push({ id: letter.id, target: plan.target, action: 'would replay' });
        continue;
      }
      try {
        await carryOut(clients, plan);
      } catch (error) {
        held.push(message);
        left.push({
          id: letter.id,
          reason: `${plan.target} refused it: ${(error as Error).message}`,
        });
        progress(`${key}: ${letter.id} not replayed: ${(error as Error).message}`);
        continue;
      }
      // Only once the target has it: a failed delete leaves a message that replays again, safely.
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
      );
      rows.push({ id: letter.id, target: plan.target, action: 'replayed' });
      progress(`${key}: replayed ${letter.id} through ${plan.target} (${rows.length})`);
    }
  }
  for (const message of held) await release(sqs, url, message);
  return { queue: key, moved: options.dryRun === true ? 0 : rows.length, messages: rows, left };
}

/** The report as a table and a summary line, for a terminal. */
export function formatRedrive(result: RedriveResult): string {
  const header = ['message id', 'target', 'action'];
  const lines = [
    ...result.messages.map((row) => [row.id, row.target, row.action]),
    ...result.left.map((row) => [row.id, row.reason, 'left in the queue']),
  ];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const row = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const dry = result.messages.filter((each) => each.action.startsWith('would')).length;
  const summary =
    dry > 0
      ? `${result.queue}: dry run, ${dry} message(s) would go, nothing moved`
      : `${result.queue}: ${result.moved} message(s) moved`;
  return [
    row(header),
    row(widths.map((width) => '-'.repeat(width))),
    ...lines.map(row),
    '',
    `${summary}${result.left.length > 0 ? `, ${result.left.length} left in the queue` : ''}`,
  ].join('\n');
}

/** Clients for the local stack at `url` (its `/_aws/...` stand-ins). */
export function localClients(url: string): RedriveClients {
  const common = {
    region: 'eu-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  return {
    sqs: new SQSClient({ ...common, endpoint: `${url}/_aws/sqs` }),
    sfn: new SFNClient({ ...common, endpoint: `${url}/_aws/states`, disableHostPrefix: true }),
    lambda: new LambdaClient({ ...common, endpoint: `${url}/_aws/lambda` }),
    firehose: new FirehoseClient({ ...common, endpoint: `${url}/_aws/firehose` }),
  };
}

/** Clients for AWS in `region`, with the default credential chain. */
export function awsClients(region: string): RedriveClients {
  return {
    sqs: new SQSClient({ region }),
    sfn: new SFNClient({ region }),
    lambda: new LambdaClient({ region }),
    firehose: new FirehoseClient({ region }),
  };
}

/** Releases the clients' connections. */
export function destroyClients(clients: RedriveClients): void {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
}

/** The stack's Region and pinned accounts, from `Pulumi.<stack>.yaml`. */
export function stackSettings(
  root: string,
  stack: string,
): { readonly region: string; readonly allowedAccountIds: readonly string[] | null } {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`not a stack name: ${stack}`);
  const document = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config?: Record<string, unknown>;
  } | null;
  const config = document?.config ?? {};
  const region = config['aws:region'];
  if (typeof region !== 'string') throw new Error(`Pulumi.${stack}.yaml sets no aws:region`);
  const allowed = config['aws:allowedAccountIds'];
  // Pulumi keeps a list either as YAML or as a JSON string.
  const list: unknown = typeof allowed === 'string' ? JSON.parse(allowed) : allowed;
  if (list === undefined || list === null) return { region, allowedAccountIds: null };
  if (
    !Array.isArray(list) ||
    list.some((each) => typeof each !== 'string' && typeof each !== 'number')
  ) {
    throw new Error(`aws:allowedAccountIds in Pulumi.${stack}.yaml must be a list of account ids`);
  }
  return { region, allowedAccountIds: list.map(String) };
}

/**
 * The topology of the deployed stack `stack`, for the account the credentials belong to (STS
 * GetCallerIdentity).
 *
 * @throws Error when the stack pins other accounts (`aws:allowedAccountIds`) than the caller's.
 */
export async function deployedTopology(
  root: string,
  stack: string,
  sts: Pick<STSClient, 'send'> = new STSClient({ region: stackSettings(root, stack).region }),
): Promise<Topology> {
  const { region, allowedAccountIds } = stackSettings(root, stack);
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  if (Account === undefined) throw new Error('STS GetCallerIdentity answered no account');
  if (allowedAccountIds !== null && !allowedAccountIds.includes(Account)) {
    throw new Error(
      `refusing to redrive: the credentials are for account ${Account}, but stack ${stack} is pinned to ${allowedAccountIds.join(', ')} (aws:allowedAccountIds)`,
    );
  }
  return stackTopology({ prefix: `${PROJECT}-${stack}`, region, accountId: Account });
}
