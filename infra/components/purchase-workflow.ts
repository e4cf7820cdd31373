/**
 * The purchase workflow: the Express state machine from `statemachines/purchase.asl.json`,
 * encrypted with the project key, logging to an encrypted log group (without execution data:
 * inputs hold users' data) and traced with X-Ray, and a role that may touch exactly the tables,
 * bus, functions and retry queue the definition names.
 *
 * Every change publishes a version, and callers start the alias `live`. Pulumi creates the alias
 * once, routing to the version it published first, and never moves it again: the release step
 * shifts it to the new version (`shared/release.ts`).
 */
import { readFileSync } from 'node:fs';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ExecutionMode } from '#shared/execution-settings.ts';
import { LIVE_ALIAS } from '#shared/release.ts';
import {
  PURCHASE_STATE_MACHINE_FILE,
  substituteDefinition,
  type PurchaseSubstitutions,
} from '#shared/state-machines.ts';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';
import { sendToQueueStatements } from './queue.ts';

export interface PurchaseWorkflowArgs {
  readonly stateMachineName: string;
  readonly plansTableName: pulumi.Input<string>;
  readonly plansTableArn: pulumi.Input<string>;
  readonly executionsTableName: pulumi.Input<string>;
  readonly executionsTableArn: pulumi.Input<string>;
  readonly eventBusName: pulumi.Input<string>;
  readonly eventBusArn: pulumi.Input<string>;
  /** The ARNs the Task states invoke: the functions' `live` aliases. */
  readonly decideFunctionArn: pulumi.Input<string>;
  readonly placeOrderFunctionArn: pulumi.Input<string>;
  /** Aggregated mode's join (named in either mode: the definition routes by `executionMode`). */
  readonly joinBlockFunctionArn: pulumi.Input<string>;
  /** `per-slot` or `aggregated` (`execution.mode`): where a BUY goes. */
  readonly executionMode: ExecutionMode;
  readonly retryQueueUrl: pulumi.Input<string>;
  readonly retryQueueArn: pulumi.Input<string>;
  readonly purchaseWindowHours: number;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Step Functions log delivery (vended logs) works only on "*": the documented exception.
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
 */
export const LOG_DELIVERY_STATEMENT: PolicyStatement = {
  Sid: 'VendedLogDeliveryHasNoResourceLevelPermissions',
  Effect: 'Allow',
  Action: [
    'logs:CreateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:GetLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:UpdateLogDelivery',
  ],
  Resource: '*',
};

/** X-Ray for Step Functions, on "*" as X-Ray requires. */
export const STATES_XRAY_STATEMENT: PolicyStatement = {
  Sid: 'XRayTracesHaveNoResourceLevelPermissions',
  Effect: 'Allow',
  Action: [
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'xray:PutTelemetryRecords',
    'xray:PutTraceSegments',
  ],
  Resource: '*',
};

export function purchaseWorkflowPolicy(
  args: PurchaseWorkflowArgs,
  stateMachineArn: pulumi.Input<string>,
): pulumi.Output<string> {
  return policyJson([
    {
      Sid: 'ClaimAndRecordExecutions',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: args.executionsTableArn,
    },
    {
      Sid: 'ReadPlansAndRecordTotals',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: args.plansTableArn,
    },
    {
      Sid: 'TablesAreEncryptedWithTheProjectKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: args.kmsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': pulumi.interpolate`dynamodb.${args.region}.amazonaws.com`,
        },
      },
    },
    {
      Sid: 'StateMachineDataIsEncryptedWithTheProjectKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: args.kmsKeyArn,
      Condition: {
        StringLike: {
          'kms:EncryptionContext:aws:states:stateMachineArn':
            stateMachineEncryptionContext(stateMachineArn),
        },
      },
    },
    {
      Sid: 'PublishPurchaseEvents',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: args.eventBusArn,
    },
    {
      Sid: 'EventBusIsEncryptedWithTheProjectKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: args.kmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': pulumi.interpolate`events.${args.region}.amazonaws.com` },
      },
    },
    {
      // The Tasks invoke the aliases: IAM authorizes a qualified invoke on the qualified ARN only.
      Sid: 'InvokePurchaseSteps',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [args.decideFunctionArn, args.placeOrderFunctionArn, args.joinBlockFunctionArn],
    },
    ...sendToQueueStatements('DeferRetries', args.retryQueueArn, args.kmsKeyArn, args.region),
    LOG_DELIVERY_STATEMENT,
    STATES_XRAY_STATEMENT,
  ]);
}

/**
 * The values of the encryption context `aws:states:stateMachineArn` the project key accepts for
 * the state machine: its ARN, and the ARN of any of its versions or aliases (`<arn>:*`). The
 * documentation names the state machine's ARN only; the qualified form costs nothing and keeps
 * executions of a version from failing on the key if Step Functions sends that one.
 * https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
 */
export function stateMachineEncryptionContext(
  stateMachineArn: pulumi.Input<string>,
): pulumi.Input<string>[] {
  return [stateMachineArn, pulumi.interpolate`${stateMachineArn}:*`];
}

/**
 * Starting purchases, through the `live` alias. Step Functions authorizes a start through an alias
 * or version on the state machine's own ARN and hands the qualifier to the condition key
 * `states:StateMachineQualifier`: naming the alias there keeps the starter on the alias (a start
 * of a version, or of the unqualified ARN, is denied).
 * https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html
 *
 * `unqualifiedToo`: also the unqualified ARN (no qualifier: `...IfExists`), for the plans'
 * schedules created before the alias existed; each targets the alias once re-armed.
 */
export function startPurchasesStatement(
  sid: string,
  stateMachineArn: pulumi.Input<string>,
  options: { readonly unqualifiedToo?: boolean } = {},
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: 'states:StartExecution',
    Resource: stateMachineArn,
    Condition: {
      [options.unqualifiedToo === true ? 'StringEqualsIfExists' : 'StringEquals']: {
        'states:StateMachineQualifier': LIVE_ALIAS,
      },
    },
  };
}

/** The state machine role's name, known before it exists (the project key's policy names it). */
export function stateMachineRoleName(stateMachineName: string): string {
  return `${stateMachineName}-states`;
}

export class PurchaseWorkflow extends pulumi.ComponentResource {
  readonly stateMachine: aws.sfn.StateMachine;
  readonly arn: pulumi.Output<string>;
  /** The `live` alias, which every caller starts. */
  readonly alias: aws.sfn.Alias;
  readonly aliasArn: pulumi.Output<string>;
  /** The version Pulumi published last (`<arn>:<n>`). */
  readonly versionArn: pulumi.Output<string>;
  /** Where executions are logged (the `EventsNotPublished` metric filter reads it). */
  readonly logGroupName: pulumi.Output<string>;

  constructor(name: string, args: PurchaseWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:purchases:PurchaseWorkflow', name, {}, opts);
    const arn = pulumi.interpolate`arn:aws:states:${args.region}:${args.accountId}:stateMachine:${args.stateMachineName}`;
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/vendedlogs/states/${args.stateMachineName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: stateMachineRoleName(args.stateMachineName),
        description: `State machine ${args.stateMachineName}`,
        assumeRolePolicy: serviceTrustPolicy('states.amazonaws.com', args.accountId, arn),
        tags: args.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.id, policy: purchaseWorkflowPolicy(args, arn) },
      { parent: this },
    );
    const template = readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8');
    const definition = pulumi
      .all([
        args.plansTableName,
        args.executionsTableName,
        args.eventBusName,
        args.decideFunctionArn,
        args.placeOrderFunctionArn,
        args.joinBlockFunctionArn,
        args.retryQueueUrl,
      ])
      .apply(([plans, executions, bus, decide, placeOrder, joinBlock, retryQueue]) => {
        const values: PurchaseSubstitutions = {
          PlansTable: plans,
          ExecutionsTable: executions,
          EventBusName: bus,
          DecideFunctionArn: decide,
          PlaceOrderFunctionArn: placeOrder,
          JoinBlockFunctionArn: joinBlock,
          ExecutionMode: args.executionMode,
          RetryQueueUrl: retryQueue,
          PurchaseWindowHours: String(args.purchaseWindowHours),
        };
        return JSON.stringify(substituteDefinition(template, { ...values }));
      });
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        name: args.stateMachineName,
        type: 'EXPRESS',
        roleArn: role.arn,
        definition,
        loggingConfiguration: {
          level: 'ALL',
          includeExecutionData: false,
          logDestination: pulumi.interpolate`${logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
        encryptionConfiguration: {
          type: 'CUSTOMER_MANAGED_KMS_KEY',
          kmsKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 300,
        },
        // Every change of the definition (or settings) is a new version the release step shifts to.
        publish: true,
        tags: args.tags,
      },
      { parent: this, dependsOn: [policy] },
    );
    this.arn = this.stateMachine.arn;
    this.versionArn = this.stateMachine.stateMachineVersionArn;
    this.alias = new aws.sfn.Alias(
      `${name}-${LIVE_ALIAS}`,
      {
        name: LIVE_ALIAS,
        description: 'What the schedules and the retry dispatcher start; the release step moves it',
        routingConfigurations: [
          { stateMachineVersionArn: this.stateMachine.stateMachineVersionArn, weight: 100 },
        ],
      },
      // Created on the first published version; from then on only the release step moves it.
      { parent: this, ignoreChanges: ['routingConfigurations'] },
    );
    this.aliasArn = this.alias.arn;
    this.logGroupName = logGroup.name;
    this.registerOutputs({
      arn: this.arn,
      aliasArn: this.aliasArn,
      versionArn: this.versionArn,
      logGroupName: this.logGroupName,
    });
  }
}
