/**
 * One Lambda function with the defaults every function of the system gets: `nodejs24.x` on
 * arm64, the deployed bundle from `build/functions.ts`, X-Ray tracing, reserved concurrency, JSON
 * logs to its own KMS-encrypted log group with retention, and a role that may write only those
 * logs and traces plus the exact statements the caller grants.
 *
 * A function on the money path (`canary: true`) also publishes a version on every change and gets
 * the alias `live`, which its callers go through. Pulumi creates the alias once, on the version
 * it published first, and never moves it again: the release step shifts it through CodeDeploy
 * (`shared/release.ts`), so `pulumi up` and CodeDeploy never fight over it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { FunctionSpec } from '#shared/functions.ts';
import { SOURCE_MAP_FILE } from '#build/functions.ts';
import { LIVE_ALIAS } from '#shared/release.ts';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';

export interface LambdaFunctionArgs {
  readonly functionName: string;
  readonly spec: FunctionSpec;
  /** The bundled ES module (`build/functions.ts`). */
  readonly code: string;
  /** Its source map, deployed as `index.mjs.map` beside it. */
  readonly sourceMap: string;
  readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What the function itself needs, beyond its logs and traces. */
  readonly statements: PolicyStatement[];
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The name of a function's role: known from the function's name, so the project key's policy can
 * name the role before it exists (IAM role names are unique in the account, hence the suffix).
 */
export function lambdaRoleName(functionName: string): string {
  return `${functionName}-lambda`;
}

/** X-Ray accepts segments only on "*"; this is the documented exception to naming resources. */
export const XRAY_STATEMENT: PolicyStatement = {
  Sid: 'XRayTracesHaveNoResourceLevelPermissions',
  Effect: 'Allow',
  Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
  Resource: '*',
};

export class LambdaFunction extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** The `live` alias of a released function; undefined for the others. */
  readonly alias: aws.lambda.Alias | undefined;
  /** What callers invoke: the `live` alias's ARN when there is one, else the function's. */
  readonly invokeArn: pulumi.Output<string>;
  /** The version Pulumi published last (`$LATEST` for a function that publishes none). */
  readonly version: pulumi.Output<string>;

  constructor(name: string, args: LambdaFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:compute:LambdaFunction', name, {}, opts);
    const arn = pulumi.interpolate`arn:aws:lambda:${args.region}:${args.accountId}:function:${args.functionName}`;
    const released = args.spec.canary === true;
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${args.functionName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: lambdaRoleName(args.functionName),
        description: `Lambda ${args.functionName}`,
        assumeRolePolicy: serviceTrustPolicy('lambda.amazonaws.com', args.accountId, arn),
        tags: args.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyJson([
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:*`,
          },
          XRAY_STATEMENT,
          {
            Sid: 'DecryptOwnEnvironment',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: args.kmsKeyArn,
            Condition: {
              StringEquals: {
                'kms:ViaService': pulumi.interpolate`lambda.${args.region}.amazonaws.com`,
              },
            },
          },
          ...args.statements,
        ]),
      },
      { parent: this },
    );
    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: args.functionName,
        description: args.spec.description,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        code: new pulumi.asset.AssetArchive({
          'index.mjs': new pulumi.asset.StringAsset(args.code),
          // Read only with NODE_OPTIONS=--enable-source-maps (README, Monitoring).
          [SOURCE_MAP_FILE]: new pulumi.asset.StringAsset(args.sourceMap),
        }),
        role: this.role.arn,
        memorySize: args.spec.memoryMb,
        timeout: args.spec.timeoutSeconds,
        reservedConcurrentExecutions: args.spec.reservedConcurrency,
        tracingConfig: { mode: 'Active' },
        loggingConfig: {
          logFormat: 'JSON',
          logGroup: this.logGroup.name,
          applicationLogLevel: 'INFO',
          systemLogLevel: 'WARN',
        },
        // The environment (table names, ARNs) is encrypted with the project key too.
        kmsKeyArn: args.kmsKeyArn,
        environment: {
          variables: pulumi.output(args.environment).apply((variables) => ({
            ...variables,
            POWERTOOLS_SERVICE_NAME: args.functionName,
            POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
          })),
        },
        // A released function publishes a version whenever its code or configuration changes.
        ...(released ? { publish: true } : {}),
        tags: args.tags,
      },
      { parent: this, dependsOn: [policy, this.logGroup] },
    );
    this.arn = this.function.arn;
    this.name = this.function.name;
    this.version = this.function.version;
    this.alias = released
      ? new aws.lambda.Alias(
          `${name}-${LIVE_ALIAS}`,
          {
            name: LIVE_ALIAS,
            description: 'What callers invoke; the release step moves it (CodeDeploy)',
            functionName: this.function.name,
            functionVersion: this.function.version,
          },
          // Created on the first published version; from then on only CodeDeploy moves it.
          { parent: this, ignoreChanges: ['functionVersion', 'routingConfig'] },
        )
      : undefined;
    this.invokeArn = this.alias?.arn ?? this.arn;
    this.registerOutputs({ arn: this.arn, invokeArn: this.invokeArn, version: this.version });
  }
}
