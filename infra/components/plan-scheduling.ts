/**
 * Scheduling: one schedule group per stack for the plans' one-time schedules and the recurring
 * jobs (sweeper, completer, reconciliation), a dead-letter queue for deliveries that fail, and two
 * roles: the plans' schedules run as one that may only start the purchase state machine, the
 * jobs' as one that may only invoke the job functions.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { schedulerRoleNames, type JobEntry, type QueueEntry } from '#shared/topology.ts';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';
import { startPurchasesStatement } from './purchase-workflow.ts';
import { EncryptedQueue, sendToQueueStatements } from './queue.ts';

export interface PlanSchedulingArgs {
  readonly groupName: string;
  /** The purchase state machine (unqualified); the plans' schedules start its `live` alias. */
  readonly stateMachineArn: pulumi.Input<string>;
  /** The functions the recurring jobs invoke. */
  readonly jobFunctionArns: pulumi.Input<string>[];
  /** Deliveries and job runs that failed (the topology's `plans-dlq`). */
  readonly deadLetterQueue: QueueEntry;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class PlanScheduling extends pulumi.ComponentResource {
  readonly group: aws.scheduler.ScheduleGroup;
  readonly role: aws.iam.Role;
  readonly jobsRole: aws.iam.Role;
  readonly deadLetterQueue: EncryptedQueue;
  readonly groupName: pulumi.Output<string>;
  /** ARN pattern of the plans' schedules (`plan-<id>`) in the group. */
  readonly planSchedulesArn: pulumi.Output<string>;

  constructor(name: string, args: PlanSchedulingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:scheduling:PlanScheduling', name, {}, opts);
    this.group = new aws.scheduler.ScheduleGroup(
      `${name}-group`,
      { name: args.groupName, tags: args.tags },
      { parent: this },
    );
    this.groupName = this.group.name;
    const schedulesArn = pulumi.interpolate`arn:aws:scheduler:${args.region}:${args.accountId}:schedule/${args.groupName}/*`;
    this.planSchedulesArn = pulumi.interpolate`arn:aws:scheduler:${args.region}:${args.accountId}:schedule/${args.groupName}/plan-*`;
    this.deadLetterQueue = new EncryptedQueue(
      `${name}-dlq`,
      {
        queueName: args.deadLetterQueue.name,
        kmsKeyArn: args.kmsKeyArn,
        messageRetentionSeconds: args.deadLetterQueue.messageRetentionSeconds,
        tags: args.tags,
      },
      { parent: this },
    );
    const role = (
      suffix: string,
      roleName: string,
      description: string,
      sourceArn: pulumi.Input<string>,
      statement: PolicyStatement,
    ) => {
      const created = new aws.iam.Role(
        `${name}-${suffix}`,
        {
          name: roleName,
          description,
          assumeRolePolicy: serviceTrustPolicy(
            'scheduler.amazonaws.com',
            args.accountId,
            sourceArn,
          ),
          tags: args.tags,
        },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-${suffix.replace(/role$/, 'policy')}`,
        {
          role: created.id,
          policy: policyJson([
            statement,
            {
              // The schedules are encrypted with the project key: Scheduler decrypts a schedule's
              // target input as its role, with the schedule's ARN as the encryption context.
              // https://docs.aws.amazon.com/scheduler/latest/UserGuide/encryption-rest.html
              Sid: 'DecryptOwnSchedules',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: args.kmsKeyArn,
              Condition: {
                ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': sourceArn },
              },
            },
            ...sendToQueueStatements(
              'DeadLetters',
              this.deadLetterQueue.arn,
              args.kmsKeyArn,
              args.region,
            ),
          ]),
        },
        { parent: this },
      );
      return created;
    };
    const roleNames = schedulerRoleNames(args.groupName);
    this.role = role(
      'role',
      roleNames.plans,
      'EventBridge Scheduler: starts the purchase workflow for plan slots',
      this.planSchedulesArn,
      // The schedules target the `live` alias (`stateMachineAliasArn`); those armed before the
      // alias existed start the unqualified ARN until their next re-arm (never a version).
      startPurchasesStatement('StartPurchases', args.stateMachineArn, { unqualifiedToo: true }),
    );
    this.jobsRole = role(
      'jobs-role',
      roleNames.jobs,
      'EventBridge Scheduler: runs the recurring jobs (sweeper, completer, reconciliation)',
      schedulesArn,
      {
        Sid: 'RunJobs',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: args.jobFunctionArns,
      },
    );
    this.registerOutputs({ groupName: this.groupName });
  }

  /**
   * A recurring job (its entry in `shared/topology.ts`): the schedule, named `<group>-<job>`, and
   * the function's asynchronous invocation settings (retries, then this component's dead-letter
   * queue as the on-failure destination). Created once the function exists.
   */
  job(
    job: string,
    args: {
      entry: JobEntry;
      functionArn: pulumi.Input<string>;
      functionName: pulumi.Input<string>;
      kmsKeyArn: pulumi.Input<string>;
      dependsOn: pulumi.Resource[];
    },
  ): aws.scheduler.Schedule {
    const { entry } = args;
    if (entry.deadLetterQueue !== 'plans-dlq' || entry.failedRuns.onFailure !== 'plans-dlq') {
      throw new Error(`job ${job}: its failures go to the scheduling dead-letter queue`);
    }
    // Created at the root before this method existed: the alias keeps the deployed resource.
    new aws.lambda.FunctionEventInvokeConfig(
      `${job}-failures`,
      {
        functionName: args.functionName,
        maximumRetryAttempts: entry.failedRuns.maximumRetryAttempts,
        destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
      },
      { parent: this, aliases: [{ parent: pulumi.rootStackResource }] },
    );
    return new aws.scheduler.Schedule(
      `${job}-schedule`,
      {
        name: pulumi.interpolate`${this.groupName}-${job}`,
        groupName: this.groupName,
        description: entry.description,
        scheduleExpression: entry.expression,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: args.kmsKeyArn,
        target: {
          arn: args.functionArn,
          roleArn: this.jobsRole.arn,
          input: entry.input,
          retryPolicy: {
            maximumEventAgeInSeconds: entry.retryPolicy.maximumEventAgeSeconds,
            maximumRetryAttempts: entry.retryPolicy.maximumRetryAttempts,
          },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
  }
}
