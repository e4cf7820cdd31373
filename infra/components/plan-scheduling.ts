/**
 * Scheduling: one schedule group per stack for the plans' one-time schedules and the recurring
 * jobs (sweeper, completer, reconciliation), a dead-letter queue for deliveries that fail, and two
 * roles: the plans' schedules run as one that may only start the purchase state machine, the
 * jobs' as one that may only invoke the job functions.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';
import { EncryptedQueue, sendToQueueStatements } from './queue.ts';

export interface PlanSchedulingArgs {
  readonly groupName: string;
  readonly stateMachineArn: pulumi.Input<string>;
  /** The functions the recurring jobs invoke. */
  readonly jobFunctionArns: pulumi.Input<string>[];
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
      { queueName: `${args.groupName}-dlq`, kmsKeyArn: args.kmsKeyArn, tags: args.tags },
      { parent: this },
    );
    const role = (
      suffix: string,
      description: string,
      sourceArn: pulumi.Input<string>,
      statement: PolicyStatement,
    ) => {
      const created = new aws.iam.Role(
        `${name}-${suffix}`,
        {
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
    this.role = role(
      'role',
      'EventBridge Scheduler: starts the purchase workflow for plan slots',
      this.planSchedulesArn,
      {
        Sid: 'StartPurchases',
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: args.stateMachineArn,
      },
    );
    this.jobsRole = role(
      'jobs-role',
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

  /** A job's recurring schedule (created once its function exists), named `<group>-<job>`. */
  jobSchedule(
    job: string,
    args: {
      functionArn: pulumi.Input<string>;
      expression: string;
      description: string;
      kmsKeyArn: pulumi.Input<string>;
      dependsOn: pulumi.Resource[];
    },
  ) {
    return new aws.scheduler.Schedule(
      `${job}-schedule`,
      {
        name: pulumi.interpolate`${this.groupName}-${job}`,
        groupName: this.groupName,
        description: args.description,
        scheduleExpression: args.expression,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: args.kmsKeyArn,
        target: {
          arn: args.functionArn,
          roleArn: this.jobsRole.arn,
          input: '{}',
          retryPolicy: { maximumEventAgeInSeconds: 300, maximumRetryAttempts: 2 },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
  }
}
