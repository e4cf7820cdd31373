/**
 * The bus rule that records: every event of this account on the project bus goes to the audit
 * stream, retried for a day; what EventBridge still could not deliver waits two weeks in an
 * encrypted dead-letter queue only this rule may send to.
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceTrustPolicy } from '../../iam.ts';
import type { QueueEntry, RuleEntry } from '#shared/topology.ts';
import { EncryptedQueue } from '../queue.ts';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';

type In<T> = pulumi.Input<T>;

export interface RecordingRuleArgs {
  readonly ruleName: string;
  /** Known before the rule exists: the role's trust policy names it. */
  readonly ruleArn: In<string>;
  readonly eventBusName: In<string>;
  /** The audit stream the rule puts events on. */
  readonly streamArn: In<string>;
  /** The rule as the topology declares it (`topology.rules.audit`). */
  readonly rule: RuleEntry;
  /** Its dead-letter queue as the topology declares it (`topology.queues['audit-dlq']`). */
  readonly deadLetterQueue: QueueEntry;
  readonly kmsKeyArn: In<string>;
  readonly accountId: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The recording rule (resources `<name>-rule`, `<name>-events-*`, `<name>-dlq*`, `<name>-target`). */
export class RecordingRule extends AuditTrailPart {
  readonly deadLetterQueueArn: pulumi.Output<string>;

  constructor(name: string, args: RecordingRuleArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:RecordingRule', name, opts);
    const { accountId, tags, rule: entry } = args;
    if (entry.name !== args.ruleName || !('auditStream' in entry.target)) {
      throw new Error(
        `the audit rule of the topology (${entry.name}) is not the trail's (${args.ruleName})`,
      );
    }
    const { targetId } = entry.target;
    const rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: args.ruleName,
        eventBusName: args.eventBusName,
        description: entry.description,
        eventPattern: JSON.stringify(entry.pattern),
        state: 'ENABLED',
        tags,
      },
      this.childOptions(),
    );
    const role = new aws.iam.Role(
      `${name}-events-role`,
      {
        // Named under the stack's prefix: the deploy role manages roles by it (bootstrap/).
        name: `${args.ruleName}-events`,
        description: `EventBridge rule ${args.ruleName}: puts events on the audit stream`,
        assumeRolePolicy: serviceTrustPolicy('events.amazonaws.com', accountId, args.ruleArn),
        tags,
      },
      this.childOptions(),
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-events-policy`,
      {
        role: role.id,
        policy: policyJson([
          {
            Sid: 'PutEventsOnTheAuditStream',
            Effect: 'Allow',
            Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
            Resource: args.streamArn,
          },
        ]),
      },
      this.childOptions(),
    );
    // The queue was created by the trail itself before the shared queue component held it: its
    // queue resource was named `<name>-dlq` (now `<name>-dlq-queue`), its policy's Sid stays.
    const deadLetters = new EncryptedQueue(
      `${name}-dlq`,
      {
        queueName: args.deadLetterQueue.name,
        messageRetentionSeconds: args.deadLetterQueue.messageRetentionSeconds,
        kmsKeyArn: args.kmsKeyArn,
        sender: {
          service: 'events.amazonaws.com',
          sourceArn: rule.arn,
          sid: 'AuditRuleSendsUndeliveredEvents',
        },
        aliases: {
          queue: [this.formerAddress(`${name}-dlq`)],
          policy: [this.formerAddress()],
        },
        tags,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: rule.name,
        eventBusName: args.eventBusName,
        targetId,
        arn: args.streamArn,
        roleArn: role.arn,
        retryPolicy: {
          maximumEventAgeInSeconds: entry.retryPolicy.maximumEventAgeSeconds,
          maximumRetryAttempts: entry.retryPolicy.maximumRetryAttempts,
        },
        deadLetterConfig: { arn: deadLetters.arn },
      },
      // The first events must find the target's permissions and its dead-letter queue in place.
      this.childOptions({ dependsOn: [rolePolicy, deadLetters] }),
    );
    this.deadLetterQueueArn = deadLetters.arn;
    this.registerOutputs({ deadLetterQueueArn: this.deadLetterQueueArn });
  }
}
