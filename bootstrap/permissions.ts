/**
 * What the CI roles may do, as plain IAM documents (no Pulumi import), so the tests assert them
 * exactly and compare them with what the main program creates.
 *
 * - The preview role (`pulumi preview` on pull requests) reads its stack's state and the backend's
 *   metadata, writes and deletes only its stack's lock objects (the DIY backend locks a stack for
 *   a preview too), and decrypts the stack's secrets. It makes no AWS read call: a preview without
 *   `--refresh` diffs the program against the state, and the program's own invokes
 *   (`aws.getCallerIdentity`, `aws.getRegion`) need no permission (sts:GetCallerIdentity cannot be
 *   denied; the Region is the provider's). `pulumi preview --refresh` would need every Describe and
 *   Get of the main program's resources, some of which read data (a function's decrypted
 *   environment): not granted.
 * - The deploy role (`pulumi up`, then `npm run release`) reads and writes its stack's state, and
 *   manages only what the main program creates: the services it uses, each statement on the ARNs
 *   of the stack's prefix `savings-plan-buy-<stack>-*`. `DEPLOY_EXCEPTIONS` says why each ARN that
 *   is not under the prefix is one.
 */
import { KEY_ADMIN_ACTIONS } from '../infra/components/project-key.ts';
import { LOG_DELIVERY_STATEMENT } from '../infra/components/purchase-workflow.ts';
import {
  GITHUB_OIDC_HOST,
  OIDC_AUDIENCE,
  PROJECT,
  environmentSubject,
  stackPrefix,
  type GithubRepository,
} from './names.ts';

/** One IAM statement with every value known (the program fills in the key ARNs). */
export interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

function document(...statements: Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Lets GitHub Actions jobs of `repository` that run in `environment`, and nothing else, assume the
 * role: the audience and the subject are compared exactly (StringEquals, no wildcard), so another
 * repository, a branch, a pull request or another environment of this repository cannot.
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
export function githubTrustPolicy(
  providerArn: string,
  repository: GithubRepository,
  environment: string,
): PolicyDocument {
  return document({
    Sid: 'GithubActionsJobsOfTheEnvironment',
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: OIDC_AUDIENCE,
        [`${GITHUB_OIDC_HOST}:sub`]: environmentSubject(repository, environment),
      },
    },
  });
}

/** Where a stack's state lives in the account's bucket, and the keys that protect it. */
export interface StateScope {
  readonly stack: string;
  readonly region: string;
  readonly accountId: string;
  readonly bucketName: string;
  readonly stateKeyArn: string;
  readonly secretsKeyArn: string;
}

/**
 * The objects of one stack of the main project in a project-scoped DIY backend: its checkpoint
 * (`.json`, with `.bak` and `.gz` variants), history, backups and locks.
 * https://www.pulumi.com/docs/iac/concepts/state-and-backends/#diy-backend
 */
function stackObjects(scope: StateScope): { state: string[]; locks: string } {
  const root = `arn:aws:s3:::${scope.bucketName}/.pulumi`;
  return {
    state: [
      `${root}/stacks/${PROJECT}/${scope.stack}.json*`,
      `${root}/history/${PROJECT}/${scope.stack}/*`,
      `${root}/backups/${PROJECT}/${scope.stack}/*`,
    ],
    locks: `${root}/locks/organization/${PROJECT}/${scope.stack}/*`,
  };
}

function stateStatements(scope: StateScope, write: 'state' | 'locks'): Statement[] {
  const objects = stackObjects(scope);
  const bucket = `arn:aws:s3:::${scope.bucketName}`;
  return [
    {
      // The backend lists stacks, locks and history under .pulumi/; key names are not secret.
      Sid: 'ListTheStateBucket',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucket,
    },
    {
      Sid: 'ReadTheStacksState',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [`${bucket}/.pulumi/meta.yaml`, ...objects.state, objects.locks],
    },
    {
      Sid: write === 'state' ? 'WriteTheStacksStateAndLocks' : 'TakeAndReleaseTheStacksLock',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: write === 'state' ? [...objects.state, objects.locks] : objects.locks,
    },
    {
      // SSE-KMS with an S3 Bucket Key: S3 asks KMS as the caller, for the bucket's key only.
      Sid: 'StateObjectsThroughS3',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: scope.stateKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${scope.region}.amazonaws.com` } },
    },
    {
      // The stack's data key is encrypted with the secrets key at `pulumi stack init` (by an
      // administrator); CI only decrypts it.
      Sid: 'DecryptTheStacksSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: scope.secretsKeyArn,
    },
  ];
}

/** The preview role's one policy. */
export function previewPolicy(scope: StateScope): PolicyDocument {
  return document(...stateStatements(scope, 'locks'));
}

/**
 * The services whose resources the main program creates, by Pulumi resource type, with the IAM
 * service prefix that authorizes them. The mocks test runs the main program and fails on a type
 * missing here (add it with the statements the deploy role needs) and on a service here that the
 * deploy policy does not grant.
 */
export const MAIN_PROGRAM_SERVICES: Readonly<Record<string, string>> = {
  'aws:appconfig/application:Application': 'appconfig',
  'aws:appconfig/configurationProfile:ConfigurationProfile': 'appconfig',
  'aws:appconfig/deployment:Deployment': 'appconfig',
  'aws:appconfig/deploymentStrategy:DeploymentStrategy': 'appconfig',
  'aws:appconfig/environment:Environment': 'appconfig',
  'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion': 'appconfig',
  'aws:appsync/dataSource:DataSource': 'appsync',
  'aws:appsync/function:Function': 'appsync',
  'aws:appsync/graphQLApi:GraphQLApi': 'appsync',
  'aws:appsync/resolver:Resolver': 'appsync',
  'aws:cloudtrail/trail:Trail': 'cloudtrail',
  'aws:cloudwatch/compositeAlarm:CompositeAlarm': 'cloudwatch',
  'aws:cloudwatch/dashboard:Dashboard': 'cloudwatch',
  'aws:cloudwatch/metricAlarm:MetricAlarm': 'cloudwatch',
  'aws:cloudwatch/eventArchive:EventArchive': 'events',
  'aws:cloudwatch/eventBus:EventBus': 'events',
  'aws:cloudwatch/eventRule:EventRule': 'events',
  'aws:cloudwatch/eventTarget:EventTarget': 'events',
  'aws:cloudwatch/logGroup:LogGroup': 'logs',
  'aws:cloudwatch/logMetricFilter:LogMetricFilter': 'logs',
  'aws:cloudwatch/logStream:LogStream': 'logs',
  'aws:codedeploy/application:Application': 'codedeploy',
  'aws:codedeploy/deploymentGroup:DeploymentGroup': 'codedeploy',
  'aws:cognito/userPool:UserPool': 'cognito-idp',
  'aws:cognito/userPoolClient:UserPoolClient': 'cognito-idp',
  // Cloud Control (IAM service `cloudformation`) creates the SMS protect configuration, which then
  // needs the sms-voice actions of ManageTheSmsProtectConfiguration.
  'aws:cloudcontrol/resource:Resource': 'cloudformation',
  'aws:dynamodb/table:Table': 'dynamodb',
  'aws:iam/role:Role': 'iam',
  'aws:iam/rolePolicy:RolePolicy': 'iam',
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream': 'firehose',
  'aws:kms/alias:Alias': 'kms',
  'aws:kms/key:Key': 'kms',
  'aws:lambda/alias:Alias': 'lambda',
  'aws:lambda/eventSourceMapping:EventSourceMapping': 'lambda',
  'aws:lambda/function:Function': 'lambda',
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': 'lambda',
  'aws:lambda/permission:Permission': 'lambda',
  'aws:s3/bucket:Bucket': 's3',
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': 's3',
  'aws:s3/bucketLogging:BucketLogging': 's3',
  'aws:s3/bucketNotification:BucketNotification': 's3',
  'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration': 's3',
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': 's3',
  'aws:s3/bucketPolicy:BucketPolicy': 's3',
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': 's3',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': 's3',
  'aws:s3/bucketVersioning:BucketVersioning': 's3',
  'aws:scheduler/schedule:Schedule': 'scheduler',
  'aws:scheduler/scheduleGroup:ScheduleGroup': 'scheduler',
  'aws:secretsmanager/secret:Secret': 'secretsmanager',
  'aws:sesv2/accountSuppressionAttributes:AccountSuppressionAttributes': 'ses',
  'aws:sesv2/configurationSet:ConfigurationSet': 'ses',
  'aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination': 'ses',
  'aws:sesv2/emailIdentity:EmailIdentity': 'ses',
  'aws:sfn/alias:Alias': 'states',
  'aws:sfn/stateMachine:StateMachine': 'states',
  'aws:sns/topic:Topic': 'sns',
  'aws:sns/topicSubscription:TopicSubscription': 'sns',
  'aws:sqs/queue:Queue': 'sqs',
  'aws:sqs/queuePolicy:QueuePolicy': 'sqs',
  'aws:wafv2/webAcl:WebAcl': 'wafv2',
  'aws:wafv2/webAclAssociation:WebAclAssociation': 'wafv2',
  'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration': 'wafv2',
};

/** The services the main program's roles are passed to (their trust policies' principals). */
export const ROLE_SERVICES = [
  'appconfig.amazonaws.com',
  'appsync.amazonaws.com',
  'cloudtrail.amazonaws.com',
  'codedeploy.amazonaws.com',
  'events.amazonaws.com',
  'firehose.amazonaws.com',
  'lambda.amazonaws.com',
  'scheduler.amazonaws.com',
  'sns.amazonaws.com',
  'states.amazonaws.com',
];

/**
 * Why each deploy statement whose resources are not under the stack's prefix has them. Every
 * other statement names `savings-plan-buy-<stack>-*` ARNs only (the test checks both).
 */
export const DEPLOY_EXCEPTIONS: Readonly<Record<string, string>> = {
  ManageTheAccountSuppressionList:
    'The SES suppression list is the account\u2019s (one per account and Region; each stack has its account): ses:PutAccountSuppressionAttributes and ses:GetAccount authorize no resource.',
  CreateTheSmsProtectConfiguration:
    'Cloud Control\u2019s actions and sms-voice:CreateProtectConfiguration and DescribeProtectConfigurations authorize no resource.',
  ManageTheSmsProtectConfiguration:
    'A protect configuration\u2019s ARN carries an id End User Messaging generates (protect-configuration/protect-<id>), unknown before it exists, and it has no name to scope by.',
  CreateTheStacksKeys:
    'kms:CreateKey authorizes no resource; the key must carry the stack\u2019s project and stack tags.',
  CreateResourcesWithoutResourceLevelPermissions:
    'cognito-idp:CreateUserPool, appsync:CreateGraphqlApi, appconfig:CreateApplication and appconfig:CreateDeploymentStrategy authorize no resource (the Service Authorization Reference lists none), cloudtrail:DescribeTrails neither; logs:DescribeLogGroups and the log delivery actions (WAF and Step Functions logging) only work on "*".',
  ManageTheStacksKeys:
    'A key ARN holds a random id, known only once the key exists: the stack\u2019s keys are named by their tags (project and stack; the bootstrap keys carry project savings-plan-buy-bootstrap), which only the stack\u2019s own CreateKey can set.',
  ManageTheStacksApiAndUserPool:
    'AppSync APIs, Cognito user pools and AppConfig applications have ARNs made of random ids; one stack per account, so the account holds no other.',
  ManageTheApisLogGroup:
    'AppSync names its log group after the API id (/aws/appsync/apis/<id>), not after a name the program chooses.',
  ManageTheStacksEventSourceMappings:
    'An event source mapping\u2019s ARN holds a random id: the mappings are narrowed to the stack\u2019s functions with lambda:FunctionArn.',
  ManageTheEmailIdentity:
    'An SES identity is named by its address or domain (the stack config\u2019s notificationEmailFrom).',
  ManageTheStacksFirewall:
    'Associating the web ACL is authorized on the AppSync API too, whose ARN holds its random id.',
  ManageTheFirewallsManagedRules:
    'The web ACL uses AWS managed rule groups, which WAF authorizes on their own ARNs (regional/managedruleset/*).',
  ReleaseThroughCodeDeploy:
    'CodeDeploy deployment configurations are AWS predefined ones (CodeDeployDefault.*), named by AWS.',
};

/** The deploy role's management statements on the main program's resources. */
function mainProgramStatements(scope: StateScope): Statement[] {
  const { region, accountId } = scope;
  const p = stackPrefix(scope.stack);
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${region}:${accountId}:${resource}`;
  const stackTags = {
    'aws:ResourceTag/project': PROJECT,
    'aws:ResourceTag/stack': scope.stack,
  };
  return [
    {
      Sid: 'CreateResourcesWithoutResourceLevelPermissions',
      Effect: 'Allow',
      Action: [
        'appconfig:CreateApplication',
        'appconfig:CreateDeploymentStrategy',
        'appsync:CreateGraphqlApi',
        'cloudtrail:DescribeTrails',
        'cognito-idp:CreateUserPool',
        // Whoever creates or updates the state machine's logging needs what its own role needs.
        ...(LOG_DELIVERY_STATEMENT.Action as string[]),
      ],
      Resource: '*',
    },
    {
      // Only keys tagged for the stack: the tags are what the statement below manages them by.
      Sid: 'CreateTheStacksKeys',
      Effect: 'Allow',
      Action: 'kms:CreateKey',
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:RequestTag/project': PROJECT,
          'aws:RequestTag/stack': scope.stack,
        },
      },
    },
    {
      Sid: 'ManageTheStacksKeys',
      Effect: 'Allow',
      Action: [
        ...KEY_ADMIN_ACTIONS.filter((action) => action !== 'kms:ListAliases'),
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ],
      Resource: arn('kms', 'key/*'),
      Condition: { StringEquals: stackTags },
    },
    {
      // An alias call is authorized on the alias and on its key (by the statement above).
      Sid: 'NameTheStacksKeys',
      Effect: 'Allow',
      Action: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
      Resource: arn('kms', `alias/${p}*`),
    },
    {
      Sid: 'ManageTheStacksTables',
      Effect: 'Allow',
      Action: [
        'dynamodb:CreateTable',
        'dynamodb:DeleteTable',
        'dynamodb:Describe*',
        'dynamodb:GetResourcePolicy',
        'dynamodb:ListTagsOfResource',
        'dynamodb:TagResource',
        'dynamodb:UntagResource',
        'dynamodb:UpdateContinuousBackups',
        'dynamodb:UpdateTable',
        'dynamodb:UpdateTimeToLive',
      ],
      Resource: [arn('dynamodb', `table/${p}-*`), arn('dynamodb', `table/${p}-*/stream/*`)],
    },
    {
      Sid: 'ManageTheStacksFunctions',
      Effect: 'Allow',
      Action: [
        'lambda:AddPermission',
        'lambda:CreateAlias',
        'lambda:CreateFunction',
        'lambda:DeleteAlias',
        'lambda:DeleteFunction',
        'lambda:DeleteFunctionConcurrency',
        'lambda:DeleteFunctionEventInvokeConfig',
        'lambda:GetAlias',
        'lambda:GetFunction',
        'lambda:GetFunctionCodeSigningConfig',
        'lambda:GetFunctionConcurrency',
        'lambda:GetFunctionConfiguration',
        'lambda:GetFunctionEventInvokeConfig',
        'lambda:GetFunctionRecursionConfig',
        'lambda:GetPolicy',
        'lambda:GetRuntimeManagementConfig',
        'lambda:ListAliases',
        'lambda:ListTags',
        'lambda:ListVersionsByFunction',
        'lambda:PublishVersion',
        'lambda:PutFunctionConcurrency',
        'lambda:PutFunctionEventInvokeConfig',
        'lambda:RemovePermission',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:UpdateAlias',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        'lambda:UpdateFunctionEventInvokeConfig',
      ],
      Resource: [arn('lambda', `function:${p}-*`), arn('lambda', `function:${p}-*:*`)],
    },
    {
      Sid: 'ManageTheStacksEventSourceMappings',
      Effect: 'Allow',
      Action: [
        'lambda:CreateEventSourceMapping',
        'lambda:DeleteEventSourceMapping',
        'lambda:GetEventSourceMapping',
        'lambda:ListTags',
        'lambda:TagResource',
        'lambda:UntagResource',
        'lambda:UpdateEventSourceMapping',
      ],
      Resource: arn('lambda', 'event-source-mapping:*'),
      Condition: { ArnLike: { 'lambda:FunctionArn': arn('lambda', `function:${p}-*`) } },
    },
    {
      Sid: 'ManageTheStacksRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:DeleteRolePolicy',
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListAttachedRolePolicies',
        'iam:ListInstanceProfilesForRole',
        'iam:ListRolePolicies',
        'iam:ListRoleTags',
        'iam:PutRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:UpdateRole',
      ],
      Resource: `arn:aws:iam::${accountId}:role/${p}-*`,
    },
    {
      Sid: 'PassTheStacksRolesToItsServices',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: `arn:aws:iam::${accountId}:role/${p}-*`,
      Condition: { StringEquals: { 'iam:PassedToService': ROLE_SERVICES } },
    },
    {
      Sid: 'ManageTheStacksStateMachine',
      Effect: 'Allow',
      Action: [
        'states:CreateStateMachine',
        'states:CreateStateMachineAlias',
        'states:DeleteStateMachine',
        'states:DeleteStateMachineAlias',
        'states:DeleteStateMachineVersion',
        'states:DescribeStateMachine',
        'states:DescribeStateMachineAlias',
        'states:ListStateMachineAliases',
        'states:ListStateMachineVersions',
        'states:ListTagsForResource',
        'states:PublishStateMachineVersion',
        'states:TagResource',
        'states:UntagResource',
        'states:UpdateStateMachine',
        'states:UpdateStateMachineAlias',
      ],
      Resource: [arn('states', `stateMachine:${p}-*`), arn('states', `stateMachine:${p}-*:*`)],
    },
    {
      Sid: 'ManageTheStacksSchedules',
      Effect: 'Allow',
      Action: [
        'scheduler:CreateSchedule',
        'scheduler:CreateScheduleGroup',
        'scheduler:DeleteSchedule',
        'scheduler:DeleteScheduleGroup',
        'scheduler:GetSchedule',
        'scheduler:GetScheduleGroup',
        'scheduler:ListTagsForResource',
        'scheduler:TagResource',
        'scheduler:UntagResource',
        'scheduler:UpdateSchedule',
      ],
      Resource: [arn('scheduler', `schedule-group/${p}-*`), arn('scheduler', `schedule/${p}-*/*`)],
    },
    {
      Sid: 'ManageTheStacksQueues',
      Effect: 'Allow',
      Action: [
        'sqs:CreateQueue',
        'sqs:DeleteQueue',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ListQueueTags',
        'sqs:SetQueueAttributes',
        'sqs:TagQueue',
        'sqs:UntagQueue',
      ],
      Resource: arn('sqs', `${p}-*`),
    },
    {
      Sid: 'ManageTheStacksEvents',
      Effect: 'Allow',
      Action: [
        'events:CreateArchive',
        'events:CreateEventBus',
        'events:DeleteArchive',
        'events:DeleteEventBus',
        'events:DeleteRule',
        'events:DescribeArchive',
        'events:DescribeEventBus',
        'events:DescribeRule',
        'events:DisableRule',
        'events:EnableRule',
        'events:ListTagsForResource',
        'events:ListTargetsByRule',
        'events:PutRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'events:TagResource',
        'events:UntagResource',
        'events:UpdateArchive',
        'events:UpdateEventBus',
      ],
      Resource: [
        arn('events', `event-bus/${p}-*`),
        arn('events', `rule/${p}-*`),
        arn('events', `rule/${p}-*/*`),
        arn('events', `archive/${p}-*`),
      ],
    },
    {
      Sid: 'ManageTheStacksLogGroups',
      Effect: 'Allow',
      Action: [
        'logs:AssociateKmsKey',
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:DeleteLogGroup',
        'logs:DeleteLogStream',
        'logs:DeleteMetricFilter',
        'logs:DeleteRetentionPolicy',
        'logs:DescribeLogStreams',
        'logs:DescribeMetricFilters',
        'logs:DisassociateKmsKey',
        'logs:ListTagsForResource',
        'logs:PutMetricFilter',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      Resource: [
        `/aws/lambda/${p}-*`,
        `/aws/vendedlogs/states/${p}-*`,
        `aws-waf-logs-${p}-*`,
        `${p}-*`,
      ].flatMap((group) => [
        arn('logs', `log-group:${group}`),
        arn('logs', `log-group:${group}:*`),
      ]),
    },
    {
      Sid: 'ManageTheApisLogGroup',
      Effect: 'Allow',
      Action: [
        'logs:AssociateKmsKey',
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:DeleteRetentionPolicy',
        'logs:DisassociateKmsKey',
        'logs:ListTagsForResource',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
      Resource: [
        arn('logs', 'log-group:/aws/appsync/apis/*'),
        arn('logs', 'log-group:/aws/appsync/apis/*:*'),
      ],
    },
    {
      Sid: 'ManageTheStacksTopics',
      Effect: 'Allow',
      Action: [
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:GetSubscriptionAttributes',
        'sns:GetTopicAttributes',
        'sns:ListSubscriptionsByTopic',
        'sns:ListTagsForResource',
        'sns:SetSubscriptionAttributes',
        'sns:SetTopicAttributes',
        'sns:Subscribe',
        'sns:TagResource',
        'sns:Unsubscribe',
        'sns:UntagResource',
      ],
      Resource: arn('sns', `${p}-*`),
    },
    {
      Sid: 'ManageTheStacksAlarmsAndDashboards',
      Effect: 'Allow',
      Action: [
        'cloudwatch:DeleteAlarms',
        'cloudwatch:DeleteDashboards',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:DisableAlarmActions',
        'cloudwatch:EnableAlarmActions',
        'cloudwatch:GetDashboard',
        'cloudwatch:ListTagsForResource',
        'cloudwatch:PutCompositeAlarm',
        'cloudwatch:PutDashboard',
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:TagResource',
        'cloudwatch:UntagResource',
      ],
      Resource: [
        arn('cloudwatch', `alarm:${p}-*`),
        `arn:aws:cloudwatch::${accountId}:dashboard/${p}-*`,
      ],
    },
    {
      // Bucket configuration only: no object is read or written (the audit records included).
      Sid: 'ManageTheStacksBuckets',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket',
        's3:DeleteBucket',
        's3:DeleteBucketPolicy',
        's3:GetAccelerateConfiguration',
        's3:GetBucket*',
        's3:GetEncryptionConfiguration',
        's3:GetLifecycleConfiguration',
        's3:GetReplicationConfiguration',
        's3:ListBucket',
        's3:PutBucketLogging',
        's3:PutBucketNotification',
        's3:PutBucketObjectLockConfiguration',
        's3:PutBucketOwnershipControls',
        's3:PutBucketPolicy',
        's3:PutBucketPublicAccessBlock',
        's3:PutBucketTagging',
        's3:PutBucketVersioning',
        's3:PutEncryptionConfiguration',
        's3:PutLifecycleConfiguration',
      ],
      Resource: `arn:aws:s3:::${p}-*`,
    },
    {
      Sid: 'ManageTheStacksDeliveryStream',
      Effect: 'Allow',
      Action: [
        'firehose:CreateDeliveryStream',
        'firehose:DeleteDeliveryStream',
        'firehose:DescribeDeliveryStream',
        'firehose:ListTagsForDeliveryStream',
        'firehose:StartDeliveryStreamEncryption',
        'firehose:StopDeliveryStreamEncryption',
        'firehose:TagDeliveryStream',
        'firehose:UntagDeliveryStream',
        'firehose:UpdateDestination',
      ],
      Resource: arn('firehose', `deliverystream/${p}-*`),
    },
    {
      Sid: 'ManageTheStacksTrail',
      Effect: 'Allow',
      Action: [
        'cloudtrail:AddTags',
        'cloudtrail:CreateTrail',
        'cloudtrail:DeleteTrail',
        'cloudtrail:GetEventSelectors',
        'cloudtrail:GetInsightSelectors',
        'cloudtrail:GetTrail',
        'cloudtrail:GetTrailStatus',
        'cloudtrail:ListTags',
        'cloudtrail:PutEventSelectors',
        'cloudtrail:PutInsightSelectors',
        'cloudtrail:RemoveTags',
        'cloudtrail:StartLogging',
        'cloudtrail:StopLogging',
        'cloudtrail:UpdateTrail',
      ],
      Resource: arn('cloudtrail', `trail/${p}-*`),
    },
    {
      Sid: 'ManageTheStacksSecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:CreateSecret',
        'secretsmanager:DeleteSecret',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetResourcePolicy',
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
        'secretsmanager:UpdateSecret',
      ],
      // Secrets Manager appends six random characters to a secret's name in its ARN.
      Resource: arn('secretsmanager', `secret:${p}/*`),
    },
    {
      Sid: 'ManageTheStacksEmailConfiguration',
      Effect: 'Allow',
      Action: [
        'ses:CreateConfigurationSet',
        'ses:DeleteConfigurationSet',
        'ses:GetConfigurationSet',
        'ses:ListTagsForResource',
        'ses:PutConfigurationSetDeliveryOptions',
        'ses:PutConfigurationSetReputationOptions',
        'ses:PutConfigurationSetSendingOptions',
        'ses:PutConfigurationSetSuppressionOptions',
        'ses:PutConfigurationSetTrackingOptions',
        'ses:TagResource',
        'ses:UntagResource',
        // Its bounce and complaint events to the default bus (issue 14).
        'ses:CreateConfigurationSetEventDestination',
        'ses:DeleteConfigurationSetEventDestination',
        'ses:GetConfigurationSetEventDestinations',
        'ses:UpdateConfigurationSetEventDestination',
      ],
      Resource: arn('ses', `configuration-set/${p}-*`),
    },
    {
      Sid: 'ManageTheAccountSuppressionList',
      Effect: 'Allow',
      Action: ['ses:GetAccount', 'ses:PutAccountSuppressionAttributes'],
      Resource: '*',
    },
    {
      Sid: 'CreateTheSmsProtectConfiguration',
      Effect: 'Allow',
      Action: [
        'cloudformation:CreateResource',
        'cloudformation:DeleteResource',
        'cloudformation:GetResource',
        'cloudformation:GetResourceRequestStatus',
        'cloudformation:UpdateResource',
        'sms-voice:CreateProtectConfiguration',
        'sms-voice:DescribeProtectConfigurations',
      ],
      Resource: '*',
    },
    {
      Sid: 'ManageTheSmsProtectConfiguration',
      Effect: 'Allow',
      Action: [
        'sms-voice:DeleteProtectConfiguration',
        'sms-voice:GetProtectConfigurationCountryRuleSet',
        'sms-voice:ListTagsForResource',
        'sms-voice:TagResource',
        'sms-voice:UntagResource',
        'sms-voice:UpdateProtectConfiguration',
        'sms-voice:UpdateProtectConfigurationCountryRuleSet',
      ],
      Resource: arn('sms-voice', 'protect-configuration/*'),
    },
    {
      Sid: 'ManageTheEmailIdentity',
      Effect: 'Allow',
      Action: [
        'ses:CreateEmailIdentity',
        'ses:DeleteEmailIdentity',
        'ses:GetEmailIdentity',
        'ses:PutEmailIdentityConfigurationSetAttributes',
        'ses:PutEmailIdentityDkimAttributes',
        'ses:PutEmailIdentityFeedbackAttributes',
        'ses:PutEmailIdentityMailFromAttributes',
        'ses:TagResource',
        'ses:UntagResource',
      ],
      Resource: [arn('ses', 'identity/*'), arn('ses', `configuration-set/${p}-*`)],
    },
    {
      Sid: 'ManageTheStacksFirewall',
      Effect: 'Allow',
      Action: [
        'wafv2:AssociateWebACL',
        'wafv2:CreateWebACL',
        'wafv2:DeleteLoggingConfiguration',
        'wafv2:DeleteWebACL',
        'wafv2:DisassociateWebACL',
        'wafv2:GetLoggingConfiguration',
        'wafv2:GetWebACL',
        'wafv2:GetWebACLForResource',
        'wafv2:ListTagsForResource',
        'wafv2:PutLoggingConfiguration',
        'wafv2:TagResource',
        'wafv2:UntagResource',
        'wafv2:UpdateWebACL',
      ],
      Resource: [arn('wafv2', `regional/webacl/${p}-*/*`), arn('appsync', 'apis/*')],
    },
    {
      Sid: 'ManageTheFirewallsManagedRules',
      Effect: 'Allow',
      Action: ['wafv2:CreateWebACL', 'wafv2:UpdateWebACL'],
      Resource: arn('wafv2', 'regional/managedruleset/*/*'),
    },
    {
      Sid: 'ManageTheStacksApiAndUserPool',
      Effect: 'Allow',
      Action: [
        'appconfig:CreateConfigurationProfile',
        'appconfig:CreateEnvironment',
        'appconfig:CreateHostedConfigurationVersion',
        'appconfig:DeleteApplication',
        'appconfig:DeleteConfigurationProfile',
        'appconfig:DeleteDeploymentStrategy',
        'appconfig:DeleteEnvironment',
        'appconfig:DeleteHostedConfigurationVersion',
        'appconfig:GetApplication',
        'appconfig:GetConfigurationProfile',
        'appconfig:GetDeployment',
        'appconfig:GetDeploymentStrategy',
        'appconfig:GetEnvironment',
        'appconfig:GetHostedConfigurationVersion',
        'appconfig:ListTagsForResource',
        'appconfig:StartDeployment',
        'appconfig:StopDeployment',
        'appconfig:TagResource',
        'appconfig:UntagResource',
        'appconfig:UpdateApplication',
        'appconfig:UpdateConfigurationProfile',
        'appconfig:UpdateDeploymentStrategy',
        'appconfig:UpdateEnvironment',
        'appsync:CreateDataSource',
        'appsync:CreateFunction',
        'appsync:CreateResolver',
        'appsync:DeleteDataSource',
        'appsync:DeleteFunction',
        'appsync:DeleteGraphqlApi',
        'appsync:DeleteResolver',
        'appsync:GetDataSource',
        'appsync:GetFunction',
        'appsync:GetGraphqlApi',
        'appsync:GetResolver',
        'appsync:GetSchemaCreationStatus',
        'appsync:ListTagsForResource',
        'appsync:SetWebACL',
        'appsync:StartSchemaCreation',
        'appsync:TagResource',
        'appsync:UntagResource',
        'appsync:UpdateDataSource',
        'appsync:UpdateFunction',
        'appsync:UpdateGraphqlApi',
        'appsync:UpdateResolver',
        'cognito-idp:CreateUserPoolClient',
        'cognito-idp:DeleteUserPool',
        'cognito-idp:DeleteUserPoolClient',
        'cognito-idp:DescribeUserPool',
        'cognito-idp:DescribeUserPoolClient',
        'cognito-idp:GetUserPoolMfaConfig',
        'cognito-idp:ListTagsForResource',
        'cognito-idp:SetUserPoolMfaConfig',
        'cognito-idp:TagResource',
        'cognito-idp:UntagResource',
        'cognito-idp:UpdateUserPool',
        'cognito-idp:UpdateUserPoolClient',
      ],
      Resource: [
        arn('appconfig', 'application/*'),
        arn('appconfig', 'deploymentstrategy/*'),
        arn('appsync', 'apis/*'),
        arn('cognito-idp', 'userpool/*'),
      ],
    },
    {
      // `npm run release`: start and watch the CodeDeploy deployments of the `live` aliases.
      Sid: 'ManageTheStacksCodeDeploy',
      Effect: 'Allow',
      Action: [
        'codedeploy:CreateApplication',
        'codedeploy:CreateDeployment',
        'codedeploy:CreateDeploymentGroup',
        'codedeploy:DeleteApplication',
        'codedeploy:DeleteDeploymentGroup',
        'codedeploy:GetApplication',
        // A deployment's AppSpec is registered as a revision of the application.
        'codedeploy:GetApplicationRevision',
        'codedeploy:GetDeployment',
        'codedeploy:GetDeploymentGroup',
        // The release step finds a deployment an interrupted run left in flight.
        'codedeploy:ListDeployments',
        'codedeploy:ListTagsForResource',
        'codedeploy:RegisterApplicationRevision',
        'codedeploy:StopDeployment',
        'codedeploy:TagResource',
        'codedeploy:UntagResource',
        'codedeploy:UpdateDeploymentGroup',
      ],
      Resource: [
        arn('codedeploy', `application:${p}-*`),
        arn('codedeploy', `deploymentgroup:${p}-*/*`),
      ],
    },
    {
      Sid: 'ReleaseThroughCodeDeploy',
      Effect: 'Allow',
      Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeploymentConfig'],
      Resource: arn('codedeploy', 'deploymentconfig:CodeDeployDefault.*'),
    },
  ];
}

/** The deploy role's one policy. */
export function deployPolicy(scope: StateScope): PolicyDocument {
  return document(...stateStatements(scope, 'state'), ...mainProgramStatements(scope));
}
