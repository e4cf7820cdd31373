/**
 * A bus rule that delivers into a queue of the topology, with exactly its entry's settings
 * (`shared/topology.ts`): name, description, pattern, retries, and the dead-letter queue for what
 * it could not deliver. The queues themselves are built by the program with the other queues; the
 * queue's policy already lets only this rule send (`topologyQueueArgs`), and the project key's
 * policy names the rule (`queueRuleArns`). The local stack routes the same entry
 * (`local/wiring.ts`).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { RuleKey, Topology } from '#shared/topology.ts';

export interface QueueRuleArgs {
  readonly topology: Topology;
  readonly rule: RuleKey;
  readonly eventBusName: pulumi.Input<string>;
  /** The created target queue (the entry's `target.queue`) and dead-letter queue. */
  readonly queueArn: pulumi.Input<string>;
  readonly deadLetterArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class QueueRule extends pulumi.ComponentResource {
  readonly rule: aws.cloudwatch.EventRule;

  constructor(name: string, args: QueueRuleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:events:QueueRule', name, {}, opts);
    const entry = args.topology.rules[args.rule];
    if (!('queue' in entry.target)) {
      throw new Error(`rule ${args.rule}: its target is not a queue of the topology`);
    }
    this.rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: entry.name,
        eventBusName: args.eventBusName,
        description: entry.description,
        eventPattern: JSON.stringify(entry.pattern),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: this.rule.name,
        eventBusName: args.eventBusName,
        arn: args.queueArn,
        retryPolicy: {
          maximumEventAgeInSeconds: entry.retryPolicy.maximumEventAgeSeconds,
          maximumRetryAttempts: entry.retryPolicy.maximumRetryAttempts,
        },
        deadLetterConfig: { arn: args.deadLetterArn },
      },
      { parent: this },
    );
    this.registerOutputs({ ruleArn: this.rule.arn });
  }
}
