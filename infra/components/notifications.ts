/**
 * Notifications: the bus's rule feeds an encrypted queue (backpressure, retries, dead letters)
 * that the notifier consumes, and the SES identity email is sent from. Plan changes have their
 * own rule and queue, whose delay (`coalesceSeconds`) lets a burst of changes settle before the
 * notifier reads them; both share the dead-letter queue. Queue, dead-letter queue
 * and rule take their settings from `shared/topology.ts`. Every child was created at the root
 * before this component existed: each has an alias to its old URN, so a deployed stack keeps it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Topology } from '#shared/topology.ts';
import { QueueRule } from './queue-rule.ts';
import { EncryptedQueue, topologyQueueArgs } from './queue.ts';

export interface NotificationsArgs {
  readonly topology: Topology;
  readonly eventBusName: pulumi.Input<string>;
  /** The sender of notification email; its domain is the SES identity. */
  readonly emailFrom: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The identity's default configuration set (`monitoring/email-reputation.ts`). */
  readonly configurationSetName: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class Notifications extends pulumi.ComponentResource {
  readonly queue: EncryptedQueue;
  readonly deadLetterQueue: EncryptedQueue;
  readonly rule: aws.cloudwatch.EventRule;
  /** Plan changes wait here for `coalesceSeconds` (the queue's delay). */
  readonly planChangeQueue: EncryptedQueue;
  readonly emailIdentity: aws.sesv2.EmailIdentity;

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:notifications:Notifications', name, {}, opts);
    const { topology, kmsKeyArn, tags } = args;
    const rule = topology.rules.notifications;
    if (!('queue' in rule.target) || rule.target.queue !== 'notifications') {
      throw new Error('the notifications rule must target the notifications queue');
    }
    const child = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
    this.deadLetterQueue = new EncryptedQueue(
      `${name}-dlq`,
      topologyQueueArgs(topology, rule.deadLetterQueue, { kmsKeyArn, tags }),
      child,
    );
    this.queue = new EncryptedQueue(
      name,
      topologyQueueArgs(topology, rule.target.queue, {
        kmsKeyArn,
        tags,
        deadLetterArn: this.deadLetterQueue.arn,
      }),
      child,
    );
    this.rule = new aws.cloudwatch.EventRule(
      name,
      {
        name: rule.name,
        eventBusName: args.eventBusName,
        description: rule.description,
        eventPattern: JSON.stringify(rule.pattern),
        tags,
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      name,
      {
        rule: this.rule.name,
        eventBusName: args.eventBusName,
        arn: this.queue.arn,
        retryPolicy: {
          maximumEventAgeInSeconds: rule.retryPolicy.maximumEventAgeSeconds,
          maximumRetryAttempts: rule.retryPolicy.maximumRetryAttempts,
        },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
      child,
    );
    const planChanges = topology.rules['plan-change-notifications'];
    if (
      !('queue' in planChanges.target) ||
      planChanges.target.queue !== 'plan-change-notifications' ||
      planChanges.deadLetterQueue !== rule.deadLetterQueue
    ) {
      throw new Error(
        'the plan-change rule must target the plan-change queue and share the dead-letter queue',
      );
    }
    this.planChangeQueue = new EncryptedQueue(
      `${name}-plan-changes`,
      topologyQueueArgs(topology, planChanges.target.queue, {
        kmsKeyArn,
        tags,
        deadLetterArn: this.deadLetterQueue.arn,
      }),
      { parent: this },
    );
    new QueueRule(
      `${name}-plan-changes`,
      {
        topology,
        rule: 'plan-change-notifications',
        eventBusName: args.eventBusName,
        queueArn: this.planChangeQueue.arn,
        deadLetterArn: this.deadLetterQueue.arn,
        tags,
      },
      { parent: this },
    );
    // The sending domain's identity; DKIM records must be published in its DNS (README, Deploying).
    this.emailIdentity = new aws.sesv2.EmailIdentity(
      `${name}-sender`,
      {
        emailIdentity: args.emailFrom.slice(args.emailFrom.indexOf('@') + 1),
        // Every message is sent through it, with or without a configuration set in the request:
        // reputation metrics and suppression count all of them.
        configurationSetName: args.configurationSetName,
        tags,
      },
      child,
    );
    this.registerOutputs({
      queueArn: this.queue.arn,
      ruleArn: this.rule.arn,
      planChangeQueueArn: this.planChangeQueue.arn,
    });
  }
}
