/**
 * Checks between the project key's policy and the roles' policies of a mocked program: every use
 * of the key a role's IAM policy asks for is allowed by a key policy statement naming that role,
 * and every role the key policy names for a service asks for it.
 */
import { wildcardMatches } from '../../../policies/lib/documents.ts';
import { ACCOUNT, REGION, policy, type ProgramRun } from './program.ts';

type Statement = Record<string, unknown> & {
  Sid?: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The conditions a use is scoped by: the service, or an encryption context. */
function scopes(statement: Statement): [string, string[]][] {
  return Object.values(statement.Condition ?? {}).flatMap((keys) =>
    Object.entries(keys)
      .filter(([key]) => key === 'kms:ViaService' || key.startsWith('kms:EncryptionContext:'))
      .map(([key, values]): [string, string[]] => [key, list(values) as string[]]),
  );
}

/** Whether a key policy statement's scopes allow what a role statement's scopes ask for. */
function covers(keyStatement: Statement, roleStatement: Statement): boolean {
  const allowed = new Map(scopes(keyStatement));
  const asked = scopes(roleStatement);
  if (asked.length !== allowed.size) return false;
  return asked.every(([key, values]) => {
    const patterns = allowed.get(key);
    return (
      patterns !== undefined &&
      values.every((value) => patterns.some((pattern) => wildcardMatches(pattern, value)))
    );
  });
}

/** The key policy's statements for the stack's roles (the account root, named by ARN). */
function roleStatements(run: ProgramRun): Statement[] {
  const key = policy(run.one('aws:kms/key:Key', 'project-key').inputs.policy)
    .Statement as Statement[];
  return key.filter(
    (statement) =>
      (statement.Principal as { AWS?: string } | undefined)?.AWS === ROOT &&
      statement.Condition?.ArnEquals?.['aws:PrincipalArn'] !== undefined,
  );
}

/** Every role of the program, with its ARN and the statements of its policies naming the key. */
function rolesUsingTheKey(
  run: ProgramRun,
): { name: string; arn: string; statements: Statement[] }[] {
  return run.all('aws:iam/role:Role').map((role) => {
    const statements = run
      .all('aws:iam/rolePolicy:RolePolicy')
      .filter((rolePolicy) => rolePolicy.inputs.role === `${role.name}-id`)
      .flatMap((rolePolicy) => policy(rolePolicy.inputs.policy).Statement as Statement[])
      .filter((statement) => list(statement.Resource).includes(KEY_ARN));
    return { name: role.name, arn: String(role.state.arn), statements };
  });
}

/** Role statements on the project key that no key policy statement allows: `role: Sid action`. */
export function uncoveredKeyUses(run: ProgramRun): string[] {
  const keyStatements = roleStatements(run);
  return rolesUsingTheKey(run).flatMap(({ name, arn, statements }) =>
    statements.flatMap((statement) =>
      (list(statement.Action) as string[])
        .filter(
          (action) =>
            !keyStatements.some(
              (keyStatement) =>
                list(keyStatement.Condition?.ArnEquals?.['aws:PrincipalArn']).includes(arn) &&
                list(keyStatement.Action).includes(action) &&
                covers(keyStatement, statement),
            ),
        )
        .map((action) => `${name}: ${statement.Sid ?? '?'} ${action}`),
    ),
  );
}

/**
 * Roles a key policy statement names that ask for nothing it allows (`Sid: role ARN`); the
 * operators' roles, which live outside the stack, are left out.
 */
export function unneededKeyUses(run: ProgramRun, operatorRoleArns: readonly string[]): string[] {
  const roles = rolesUsingTheKey(run);
  return roleStatements(run).flatMap((keyStatement) =>
    (list(keyStatement.Condition?.ArnEquals?.['aws:PrincipalArn']) as string[])
      .filter((arn) => !operatorRoleArns.includes(arn))
      .filter(
        (arn) =>
          !roles.some(
            (role) =>
              role.arn === arn &&
              role.statements.some(
                (statement) =>
                  list(statement.Action).some((action) =>
                    list(keyStatement.Action).includes(action),
                  ) && covers(keyStatement, statement),
              ),
          ),
      )
      .map((arn) => `${keyStatement.Sid ?? '?'}: ${arn}`),
  );
}

/**
 * The project key's policy of a stack, written out: `P` is `<project>-<stack>`; `exchangeKeys`
 * for a stack on a real exchange.
 */
export function expectedProjectKeyPolicy(P: string, options: { exchangeKeys: boolean }) {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const lambda = (name: string) => role(`${P}-${name}-lambda`);
  const via = (service: string) => ({ 'kms:ViaService': `${service}.${REGION}.amazonaws.com` });
  const logGroup = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
  const bus = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${P}-events`;
  const topic = (severity: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${P}-alerts-${severity}`;
  const trail = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${P}-audit`;
  const bucket = `arn:aws:s3:::${P}-audit-${ACCOUNT}-${REGION}`;
  const stateMachine = role(`${P}-purchase-states`);
  const schedulers = [role(`${P}-plans-scheduler`), role(`${P}-plans-jobs-scheduler`)];
  const operators = {
    ArnEquals: {
      'aws:PrincipalArn': [role('savings-plan-buy-deployer'), role('savings-plan-buy-operator')],
    },
    StringEquals: {
      'kms:ViaService': [
        'appconfig',
        'dynamodb',
        'firehose',
        'lambda',
        's3',
        'scheduler',
        'secretsmanager',
        'sqs',
        'states',
      ].map((service) => `${service}.${REGION}.amazonaws.com`),
    },
  };
  const forRoles = (
    Sid: string,
    roles: string[],
    Action: string[],
    condition: Record<string, Record<string, unknown>>,
  ) => ({
    Sid,
    Effect: 'Allow',
    Principal: { AWS: ROOT },
    Action,
    Resource: '*',
    Condition: { ArnEquals: { 'aws:PrincipalArn': roles }, ...condition },
  });
  const functions = [
    'schedule-sync',
    'schedule-resync',
    'sweeper',
    'decide',
    'place-order',
    'join-block',
    'block-worker',
    'retry-dispatcher',
    'completer',
    'reconcile',
    'notifier',
    'contacts',
    'email-feedback',
    'slot-outcomes',
    'audit-digest',
    'audit-report',
    'calendar',
    'schedule-preview',
    'pre-traffic',
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersKeyThroughIam',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: [
          'kms:CancelKeyDeletion',
          'kms:CreateAlias',
          'kms:DeleteAlias',
          'kms:DescribeKey',
          'kms:DisableKey',
          'kms:DisableKeyRotation',
          'kms:EnableKey',
          'kms:EnableKeyRotation',
          'kms:GetKeyPolicy',
          'kms:GetKeyRotationStatus',
          'kms:ListAliases',
          'kms:ListGrants',
          'kms:ListKeyPolicies',
          'kms:ListResourceTags',
          'kms:PutKeyPolicy',
          'kms:RetireGrant',
          'kms:RevokeGrant',
          'kms:RotateKeyOnDemand',
          'kms:ScheduleKeyDeletion',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:UpdateAlias',
          'kms:UpdateKeyDescription',
        ],
        Resource: '*',
      },
      forRoles('FunctionsDecryptTheirEnvironment', functions.map(lambda), ['kms:Decrypt'], {
        StringEquals: via('lambda'),
      }),
      forRoles(
        'TablesAreUsedThroughDynamoDb',
        [
          lambda('schedule-sync'),
          lambda('schedule-resync'),
          lambda('sweeper'),
          lambda('place-order'),
          lambda('join-block'),
          lambda('block-worker'),
          lambda('retry-dispatcher'),
          lambda('completer'),
          lambda('reconcile'),
          lambda('notifier'),
          lambda('contacts'),
          lambda('email-feedback'),
          stateMachine,
          role(`${P}-graphql-plans-role`),
          role(`${P}-graphql-executions-role`),
          role(`${P}-graphql-notifications-role`),
        ],
        [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        { StringEquals: via('dynamodb') },
      ),
      forRoles(
        'QueuesAreUsedThroughSqs',
        [
          lambda('schedule-sync'),
          lambda('schedule-resync'),
          lambda('sweeper'),
          lambda('join-block'),
          lambda('block-worker'),
          lambda('retry-dispatcher'),
          lambda('completer'),
          lambda('reconcile'),
          lambda('notifier'),
          lambda('email-feedback'),
          lambda('slot-outcomes'),
          lambda('audit-digest'),
          lambda('audit-report'),
          stateMachine,
          ...schedulers,
        ],
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        { StringEquals: via('sqs') },
      ),
      forRoles(
        'EventsArePublishedThroughEventBridge',
        [
          lambda('schedule-sync'),
          lambda('schedule-resync'),
          lambda('sweeper'),
          lambda('block-worker'),
          lambda('reconcile'),
          lambda('notifier'),
          stateMachine,
        ],
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        { StringEquals: via('events') },
      ),
      forRoles(
        'SchedulesAreWrittenThroughScheduler',
        [lambda('schedule-sync'), lambda('schedule-resync'), lambda('sweeper')],
        ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        { StringEquals: via('scheduler') },
      ),
      forRoles('SchedulerRolesDecryptTheirSchedules', schedulers, ['kms:Decrypt'], {
        ArnLike: {
          'kms:EncryptionContext:aws:scheduler:schedule:arn': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${P}-plans/*`,
        },
      }),
      forRoles(
        'FlagsAreReadThroughAppConfig',
        [lambda('decide'), lambda('block-worker')],
        ['kms:Decrypt'],
        { StringEquals: via('appconfig') },
      ),
      ...(options.exchangeKeys
        ? [
            forRoles(
              'ExchangeKeysAreReadThroughSecretsManager',
              [lambda('place-order'), lambda('block-worker'), lambda('reconcile')],
              ['kms:Decrypt'],
              { StringEquals: via('secretsmanager') },
            ),
          ]
        : []),
      forRoles(
        'AuditRecordsAreUsedThroughS3',
        [lambda('audit-digest'), lambda('audit-report'), role(`${P}-audit-firehose`)],
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        {
          StringEquals: via('s3'),
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucket, `${bucket}/*`] },
        },
      ),
      forRoles(
        'TheStateMachineEncryptsItsData',
        [stateMachine],
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        {
          // The state machine, or any of its versions and aliases.
          StringLike: {
            'kms:EncryptionContext:aws:states:stateMachineArn': [
              `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${P}-purchase`,
              `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${P}-purchase:*`,
            ],
          },
        },
      ),
      {
        Sid: 'OperatorsUseKeyThroughTheStacksServices',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: '*',
        Condition: operators,
      },
      {
        Sid: 'OperatorsLetTheStacksServicesHoldGrants',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { ...operators, Bool: { 'kms:GrantIsForAWSResource': true } },
      },
      {
        Sid: 'CloudWatchLogsEncryptsTheStacksLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${REGION}.amazonaws.com` },
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': [
              ...functions.map((name) => logGroup(`/aws/lambda/${P}-${name}`)),
              logGroup(`/aws/vendedlogs/states/${P}-purchase`),
              logGroup('/aws/appsync/apis/api123'),
              logGroup(`aws-waf-logs-${P}-api`),
            ],
          },
        },
      },
      {
        Sid: 'EventBridgeEncryptsTheProjectBus',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': bus },
        },
      },
      {
        Sid: 'EventBridgeRulesSendToEncryptedQueues',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'aws:SourceArn': [
              `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-notifications`,
              `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-plan-change-notifications`,
              `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-outcomes`,
              `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-email-feedback`,
            ],
          },
        },
      },
      // The audit trail's services (their own test: test/unit/infra/audit-trail.test.ts).
      {
        Sid: 'CloudTrailDescribesKeyForTheAuditTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': trail } },
      },
      {
        Sid: 'CloudTrailEncryptsTheAuditTrailsLogs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:SourceArn': trail,
            'kms:EncryptionContext:aws:cloudtrail:arn': trail,
          },
        },
      },
      {
        Sid: 'CloudWatchLogsEncryptsTheAuditLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${REGION}.amazonaws.com` },
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': [
              logGroup(`/aws/kinesisfirehose/${P}-audit`),
              logGroup(`/aws/cloudtrail/${P}-audit`),
            ],
          },
        },
      },
      {
        Sid: 'EventBridgeDescribesKeyForTheArchive',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
      {
        Sid: 'EventBridgeArchivesTheProjectBus',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': ACCOUNT,
            'kms:EncryptionContext:aws:events:event-bus:arn': bus,
          },
        },
      },
      {
        Sid: 'EventBridgeSendsToTheAuditDeadLetterQueue',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-audit`,
          },
        },
      },
      // Monitoring: alerts into the encrypted topics (their own test: monitoring-topics.test.ts).
      {
        Sid: 'CloudWatchAlarmsPublishToTheAlertTopics',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': ACCOUNT,
            'kms:EncryptionContext:aws:sns:topicArn': [topic('critical'), topic('warning')],
          },
          ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${P}-*` },
        },
      },
      {
        Sid: 'EventBridgePublishesAuditTamperingToTheCriticalTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topic('critical') },
        },
      },
      {
        Sid: 'CloudWatchLogsEncryptsTheAlertDeliveryLogs',
        Effect: 'Allow',
        Principal: { Service: `logs.${REGION}.amazonaws.com` },
        Action: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': [
              logGroup(`sns/${REGION}/${ACCOUNT}/${P}-alerts-critical/Failure`),
              logGroup(`sns/${REGION}/${ACCOUNT}/${P}-alerts-warning/Failure`),
            ],
          },
        },
      },
    ],
  };
}

/** The operators' roles every stack file names. */
export const OPERATOR_ROLE_ARNS = [
  `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-deployer`,
  `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-operator`,
];
