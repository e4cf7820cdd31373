/**
 * An SQS queue encrypted with the project key and a policy that refuses anything but TLS. By
 * default a queue for dead letters and failure destinations (two weeks' retention); a work queue
 * sets its visibility timeout, retention and dead-letter queue.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  ruleArn,
  visibilityTimeoutSeconds,
  type QueueKey,
  type Topology,
} from '#shared/topology.ts';
import { policyJson } from '../iam.ts';

export interface EncryptedQueueArgs {
  readonly queueName: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Default 30 s (SQS's). A consumer's queue: six times the function's timeout. */
  readonly visibilityTimeoutSeconds?: number;
  /** Default two weeks, the maximum. */
  readonly messageRetentionSeconds?: number;
  /** How long every message waits before it can be received; default 0 (SQS's). */
  readonly delaySeconds?: number;
  /** Where messages go after `maxReceiveCount` receives. */
  readonly deadLetter?: { readonly arn: pulumi.Input<string>; readonly maxReceiveCount: number };
  /** A service that may send to the queue, from its sources only (e.g. EventBridge rules). */
  readonly sender?: {
    readonly service: string;
    /** One source, or several (a dead-letter queue shared by two rules). */
    readonly sourceArn: pulumi.Input<string> | readonly string[];
    /** The statement's Sid; default `OneSourceSends`. */
    readonly sid?: string;
  };
  /**
   * Earlier Pulumi addresses of the queue and its policy, for a queue that moved into this
   * component from elsewhere: with them `pulumi up` moves the queue in the state instead of
   * replacing it (and losing its messages).
   */
  readonly aliases?: {
    readonly queue: pulumi.Input<pulumi.URN | pulumi.Alias>[];
    readonly policy: pulumi.Input<pulumi.URN | pulumi.Alias>[];
  };
}

/** A policy condition's value: one ARN as it is, several as a (mutable) list. */
function sourceArns(
  arns: pulumi.Input<string> | readonly string[],
): pulumi.Input<string> | string[] {
  return Array.isArray(arns) ? [...(arns as readonly string[])] : (arns as pulumi.Input<string>);
}

export class EncryptedQueue extends pulumi.ComponentResource {
  readonly queue: aws.sqs.Queue;
  readonly arn: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: EncryptedQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:messaging:EncryptedQueue', name, {}, opts);
    this.queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: args.queueName,
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        // Dead letters wait two weeks (the maximum) for someone to look at them.
        messageRetentionSeconds: args.messageRetentionSeconds ?? 14 * 24 * 60 * 60,
        ...(args.visibilityTimeoutSeconds === undefined
          ? {}
          : { visibilityTimeoutSeconds: args.visibilityTimeoutSeconds }),
        ...(args.delaySeconds === undefined ? {} : { delaySeconds: args.delaySeconds }),
        ...(args.deadLetter === undefined
          ? {}
          : {
              redrivePolicy: pulumi.jsonStringify({
                deadLetterTargetArn: args.deadLetter.arn,
                maxReceiveCount: args.deadLetter.maxReceiveCount,
              }),
            }),
        tags: args.tags,
      },
      { parent: this, ...(args.aliases === undefined ? {} : { aliases: args.aliases.queue }) },
    );
    new aws.sqs.QueuePolicy(
      `${name}-policy`,
      {
        queueUrl: this.queue.url,
        policy: policyJson([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: this.queue.arn,
            Condition: { Bool: { 'aws:SecureTransport': false } },
          },
          ...(args.sender === undefined
            ? []
            : [
                {
                  Sid: args.sender.sid ?? 'OneSourceSends',
                  Effect: 'Allow' as const,
                  Principal: { Service: args.sender.service },
                  Action: 'sqs:SendMessage',
                  Resource: this.queue.arn,
                  Condition: { ArnEquals: { 'aws:SourceArn': sourceArns(args.sender.sourceArn) } },
                },
              ]),
        ]),
      },
      { parent: this, ...(args.aliases === undefined ? {} : { aliases: args.aliases.policy }) },
    );
    this.arn = this.queue.arn;
    this.url = this.queue.url;
    this.registerOutputs({ arn: this.arn });
  }
}

/**
 * The settings of the topology's queue `key` (`shared/topology.ts`): its name, retention, delay,
 * visibility, redrive and the rules that may send to it. `deadLetterArn` is the created
 * dead-letter queue's ARN (so the redrive waits for it), required exactly when the entry has one.
 */
export function topologyQueueArgs(
  topology: Topology,
  key: QueueKey,
  context: {
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
    readonly deadLetterArn?: pulumi.Input<string>;
  },
): EncryptedQueueArgs {
  const entry = topology.queues[key];
  if ((entry.deadLetter === undefined) !== (context.deadLetterArn === undefined)) {
    throw new Error(`queue ${key}: pass its dead-letter queue's ARN exactly when it has one`);
  }
  const visibility = visibilityTimeoutSeconds(entry);
  const rules = entry.senders.flatMap((sender) => ('rule' in sender ? [sender.rule] : []));
  const ruleArns = rules.map((rule) => ruleArn(topology, rule));
  return {
    queueName: entry.name,
    kmsKeyArn: context.kmsKeyArn,
    messageRetentionSeconds: entry.messageRetentionSeconds,
    ...(entry.delaySeconds === undefined ? {} : { delaySeconds: entry.delaySeconds }),
    ...(visibility === undefined ? {} : { visibilityTimeoutSeconds: visibility }),
    ...(entry.deadLetter === undefined || context.deadLetterArn === undefined
      ? {}
      : {
          deadLetter: {
            arn: context.deadLetterArn,
            maxReceiveCount: entry.deadLetter.maxReceiveCount,
          },
        }),
    ...(ruleArns.length === 0
      ? {}
      : {
          sender: {
            service: 'events.amazonaws.com',
            sourceArn: ruleArns.length === 1 ? (ruleArns[0] as string) : ruleArns,
          },
        }),
    tags: context.tags,
  };
}

/** Statements that let a role send to an encrypted queue. */
export function sendToQueueStatements(
  sid: string,
  queueArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
) {
  return [
    { Sid: sid, Effect: 'Allow' as const, Action: 'sqs:SendMessage', Resource: queueArn },
    {
      Sid: `${sid}Encrypted`,
      Effect: 'Allow' as const,
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: kmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': pulumi.interpolate`sqs.${region}.amazonaws.com` },
      },
    },
  ];
}
