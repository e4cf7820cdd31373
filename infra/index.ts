/**
 * The composition root: reads the stack's typed config and wires the bounded contexts. Stack
 * differences come only from `Pulumi.<stack>.yaml`.
 *
 * Names are derived from `<project>-<stack>`, so ARNs are known before resources exist: the
 * scheduler role can name the state machine and the sweeper without waiting for them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bundleFunctions } from '#build/functions.ts';
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import { apiSettingsFor } from '#shared/api-settings.ts';
import {
  AUDIT_DIGEST_RATE,
  AUDIT_REPORT_RATE,
  COMPLETER_RATE,
  COMPLETER_SLA_SECONDS,
  FLAGS_MAX_AGE_SECONDS,
  functionSpecs,
  RECONCILE_RATE,
  SWEEP_GRACE_SECONDS,
  SWEEP_RATE,
  type FunctionName,
  type FunctionVariable,
} from '#shared/functions.ts';
import { NOTIFICATIONS_EVENT_PATTERN } from '#shared/events.ts';
import { PROJECT, checkSmsOriginationRegion } from '#shared/stack-config.ts';
import {
  exchangeStateTable,
  executionsTable,
  notificationsTable,
  idempotencyTable,
  paperOrdersTable,
  plansTable,
} from '#shared/tables.ts';
import { AuditTrail, auditKeyPolicyStatements, auditTrailNames } from './components/audit-trail.ts';
import { EventBus } from './components/event-bus.ts';
import { ExchangeCredentials } from './components/exchange-credentials.ts';
import { FeatureFlags } from './components/feature-flags.ts';
import { GraphqlApi } from './components/graphql-api.ts';
import { LambdaFunction, lambdaRoleName } from './components/lambda-function.ts';
import { PlanScheduling } from './components/plan-scheduling.ts';
import { ProjectKey } from './components/project-key.ts';
import { PurchaseWorkflow } from './components/purchase-workflow.ts';
import { EncryptedQueue, sendToQueueStatements } from './components/queue.ts';
import { Table } from './components/table.ts';
import { UserPool } from './components/user-pool.ts';
import { loadStackConfig } from './config.ts';
import { projectKeyUses } from './key-uses.ts';
import { functionStatements } from './permissions.ts';

const stack = pulumi.getStack();
const config = loadStackConfig();
const prefix = `${PROJECT}-${stack}`;
const tags = { ...config.tags, project: PROJECT, stack };
const { accountId } = await aws.getCallerIdentity();
const { region } = await aws.getRegion();
checkSmsOriginationRegion(config, region);

// Rules are named, so their ARNs are known before anything exists (the key policy names them).
const busName = `${prefix}-events`;
const notificationsRuleName = `${prefix}-notifications`;
const notificationsRuleArn = `arn:aws:events:${region}:${accountId}:rule/${busName}/${notificationsRuleName}`;

const functionName = (name: FunctionName) => `${prefix}-${name}`;
const functionArn = (name: FunctionName) =>
  `arn:aws:lambda:${region}:${accountId}:function:${functionName(name)}`;
const stateMachineName = `${prefix}-purchase`;
const stateMachineArn = `arn:aws:states:${region}:${accountId}:stateMachine:${stateMachineName}`;
const scheduleGroupName = `${prefix}-plans`;
const auditNames = auditTrailNames({ prefix, accountId, region, eventBusName: busName });
const roleArn = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;
const logGroupArn = (name: string) => `arn:aws:logs:${region}:${accountId}:log-group:${name}`;
// graphql-api.ts leaves its roles unnamed: the program names them (see the API below), so the key
// policy can name the data sources that read and write tables.
const graphqlRoleName = (resourceName: string) => `${prefix}-${resourceName}`;
const TABLE_DATA_SOURCES = ['plans', 'executions', 'notifications'];
// The API's log group is named after its id: known once the API exists (the API does not need
// the key, so the key can wait for it).
const [apiLogGroupArn, resolveApiLogGroupArn] = pulumi.deferredOutput<string>();

const key = new ProjectKey('project', {
  accountId,
  region,
  alias: prefix,
  logGroupArns: [
    ...(Object.keys(functionSpecs) as FunctionName[]).map((name) =>
      logGroupArn(`/aws/lambda/${functionName(name)}`),
    ),
    logGroupArn(`/aws/vendedlogs/states/${stateMachineName}`),
    apiLogGroupArn,
    // The API's firewall logs what it blocks (`ApiFirewall`: WAF needs the aws-waf-logs- prefix).
    logGroupArn(`aws-waf-logs-${prefix}-api`),
  ],
  eventBusArn: `arn:aws:events:${region}:${accountId}:event-bus/${busName}`,
  queueRuleArns: [notificationsRuleArn],
  uses: projectKeyUses({
    prefix,
    accountId,
    region,
    exchangeKeys: config.exchange !== 'paper',
    stateMachineName,
    stateMachineArn,
    scheduleGroupName,
    auditBucketArn: pulumi.interpolate`arn:aws:s3:::${auditNames.auditBucketName}`,
    firehoseRoleName: auditNames.firehoseRoleName,
    tableDataSourceRoleNames: TABLE_DATA_SOURCES.map((source) =>
      graphqlRoleName(`graphql-${source}-role`),
    ),
  }),
  operatorRoleArns: config.operatorRoles.map(roleArn),
  extraStatements: auditKeyPolicyStatements({ prefix, accountId, region, eventBusName: busName }),
  deletionWindowInDays: 30,
  tags,
});
const tableArgs = { kmsKeyArn: key.arn, deletionProtection: config.deletionProtection, tags };
const plans = new Table('plans', {
  definition: plansTable,
  tableName: `${prefix}-plans`,
  ...tableArgs,
});
const executions = new Table('executions', {
  definition: executionsTable,
  tableName: `${prefix}-executions`,
  ...tableArgs,
});
const idempotency = new Table('idempotency', {
  definition: idempotencyTable,
  tableName: `${prefix}-idempotency`,
  ...tableArgs,
});
const notifications = new Table('notifications', {
  definition: notificationsTable,
  tableName: `${prefix}-notifications`,
  ...tableArgs,
});
const exchangeState = new Table('exchange-state', {
  definition: exchangeStateTable,
  tableName: `${prefix}-exchange-state`,
  ...tableArgs,
});
// The exchange: paper orders in a table of their own, or a real exchange's API key.
const paperOrders =
  config.exchange === 'paper'
    ? new Table('paper-orders', {
        definition: paperOrdersTable,
        tableName: `${prefix}-paper-orders`,
        ...tableArgs,
      })
    : null;
const credentials =
  config.exchange === 'paper'
    ? null
    : new ExchangeCredentials('exchange-credentials', {
        secretName: `${prefix}/exchange/${config.exchange}`,
        exchange: config.exchange,
        access: 'trading',
        kmsKeyArn: key.arn,
        tags,
      });
// Reconciliation reads orders with a key of its own that cannot trade.
const readOnlyCredentials =
  config.exchange === 'paper'
    ? null
    : new ExchangeCredentials('exchange-read-only-credentials', {
        secretName: `${prefix}/exchange/${config.exchange}/read-only`,
        exchange: config.exchange,
        access: 'read-only',
        kmsKeyArn: key.arn,
        tags,
      });
const flags = new FeatureFlags('flags', {
  applicationName: prefix,
  environmentName: stack,
  flags: config.flags,
  accountId,
  region,
  kmsKeyArn: key.arn,
  tags,
});
const bus = new EventBus('events', { busName, kmsKeyArn: key.arn, tags });
// Every event, kept: an archive, and Firehose into the Object Lock bucket; CloudTrail beside it.
const audit = new AuditTrail('audit', {
  prefix,
  kmsKeyArn: key.arn,
  eventBusName: busName,
  eventBusArn: bus.arn,
  auditRetentionDays: config.auditRetentionDays,
  archiveRetentionDays: config.archiveRetentionDays,
  logRetentionDays: config.logRetentionDays,
  signerRoleArn: roleArn(lambdaRoleName(functionName('audit-digest'))),
  accountId,
  region,
  tags,
});

// The recurring jobs, invoked asynchronously by their schedules: a failed run goes to the
// scheduling dead-letter queue (its on-failure destination, sent with the function's own role).
const jobs = [
  {
    name: 'sweeper',
    expression: SWEEP_RATE,
    description: 'Finds plans whose run was missed and re-arms them',
  },
  {
    name: 'completer',
    expression: COMPLETER_RATE,
    description: 'Drives purchase runs stuck past their SLA to a final state',
  },
  {
    name: 'reconcile',
    expression: RECONCILE_RATE,
    description: "Matches yesterday's exchange orders against the ledger",
  },
  {
    name: 'audit-digest',
    expression: AUDIT_DIGEST_RATE,
    description: 'Seals each ended day of the audit trail with a signed, chained digest',
  },
  {
    name: 'audit-report',
    expression: AUDIT_REPORT_RATE,
    description: 'Writes the monthly audit report of each ended month',
  },
] as const satisfies readonly { name: FunctionName; expression: string; description: string }[];

const scheduling = new PlanScheduling('scheduling', {
  groupName: scheduleGroupName,
  stateMachineArn,
  jobFunctionArns: jobs.map((job) => functionArn(job.name)),
  accountId,
  region,
  kmsKeyArn: key.arn,
  tags,
});
// Stream batches the schedule sync gave up on: schedule-resync reads them back and syncs their
// plans; what keeps failing past five receives is parked in their own dead letters.
const streamFailureDeadLetters = new EncryptedQueue('plan-stream-failures-dlq', {
  queueName: `${prefix}-plan-stream-failures-dlq`,
  kmsKeyArn: key.arn,
  messageRetentionSeconds: 14 * 24 * 60 * 60,
  tags,
});
const streamFailures = new EncryptedQueue('plan-stream-failures', {
  queueName: `${prefix}-plan-stream-failures`,
  kmsKeyArn: key.arn,
  visibilityTimeoutSeconds: 6 * functionSpecs['schedule-resync'].timeoutSeconds,
  messageRetentionSeconds: 14 * 24 * 60 * 60,
  deadLetter: { arn: streamFailureDeadLetters.arn, maxReceiveCount: 5 },
  tags,
});
// Slots that could not be bought yet wait here; what keeps failing past 10 receives is parked.
const retryDeadLetters = new EncryptedQueue('purchase-retries-dlq', {
  queueName: `${prefix}-purchase-retries-dlq`,
  kmsKeyArn: key.arn,
  tags,
});
const retryQueue = new EncryptedQueue('purchase-retries', {
  queueName: `${prefix}-purchase-retries`,
  kmsKeyArn: key.arn,
  // Six times the dispatcher's timeout, as Lambda's SQS event source recommends.
  visibilityTimeoutSeconds: 6 * functionSpecs['retry-dispatcher'].timeoutSeconds,
  // Longer than any purchase window: a slot is never dropped before it is final.
  messageRetentionSeconds: 2 * 24 * 60 * 60,
  deadLetter: { arn: retryDeadLetters.arn, maxReceiveCount: 10 },
  tags,
});

// Notifications: the bus's rule feeds an encrypted queue (backpressure, retries, dead letters).
const notificationDeadLetters = new EncryptedQueue('notifications-dlq', {
  queueName: `${prefix}-notifications-dlq`,
  kmsKeyArn: key.arn,
  messageRetentionSeconds: 14 * 24 * 60 * 60,
  // Also the rule's dead-letter queue: events it could not deliver to the queue land here.
  sender: { service: 'events.amazonaws.com', sourceArn: notificationsRuleArn },
  tags,
});
const notificationQueue = new EncryptedQueue('notifications', {
  queueName: `${prefix}-notifications`,
  kmsKeyArn: key.arn,
  visibilityTimeoutSeconds: 6 * functionSpecs.notifier.timeoutSeconds,
  messageRetentionSeconds: 4 * 24 * 60 * 60,
  deadLetter: { arn: notificationDeadLetters.arn, maxReceiveCount: 5 },
  sender: { service: 'events.amazonaws.com', sourceArn: notificationsRuleArn },
  tags,
});
const notificationsRule = new aws.cloudwatch.EventRule('notifications', {
  name: notificationsRuleName,
  eventBusName: bus.name,
  description: 'Events a person is told about: purchases, failures, missed runs, plan changes',
  eventPattern: JSON.stringify(NOTIFICATIONS_EVENT_PATTERN),
  tags,
});
new aws.cloudwatch.EventTarget('notifications', {
  rule: notificationsRule.name,
  eventBusName: bus.name,
  arn: notificationQueue.arn,
  retryPolicy: { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 },
  deadLetterConfig: { arn: notificationDeadLetters.arn },
});
const senderDomain = config.notificationEmailFrom.slice(
  config.notificationEmailFrom.indexOf('@') + 1,
);
// The sending domain's identity; DKIM records must be published in its DNS (README, Deploying).
const emailIdentity = new aws.sesv2.EmailIdentity('notifications-sender', {
  emailIdentity: senderDomain,
  tags,
});

const variables: Record<FunctionVariable, pulumi.Input<string>> = {
  PLANS_TABLE: plans.name,
  EXECUTIONS_TABLE: executions.name,
  IDEMPOTENCY_TABLE: idempotency.name,
  SCHEDULE_GROUP: scheduling.groupName,
  PURCHASE_STATE_MACHINE_ARN: stateMachineArn,
  SCHEDULER_ROLE_ARN: scheduling.role.arn,
  SCHEDULE_DLQ_ARN: scheduling.deadLetterQueue.arn,
  KMS_KEY_ARN: key.arn,
  EVENT_BUS_NAME: bus.name,
  SWEEP_GRACE_SECONDS: String(SWEEP_GRACE_SECONDS),
  EXCHANGE: config.exchange,
  EXCHANGE_API_URL: config.exchangeApiUrl ?? '',
  EXCHANGE_SECRET_ARN: credentials?.arn ?? '',
  EXCHANGE_READONLY_SECRET_ARN: readOnlyCredentials?.arn ?? '',
  EXCHANGE_STATE_TABLE: exchangeState.name,
  EXCHANGE_RATE_LIMIT_PER_SECOND: String(config.exchangeRateLimitPerSecond),
  PAPER_EXCHANGE_URL: '',
  PAPER_EXCHANGE_TIMEOUT_MS: '',
  PAPER_ORDERS_TABLE: paperOrders?.name ?? '',
  PAPER_SETTINGS: config.exchange === 'paper' ? JSON.stringify({ prices: config.paperPrices }) : '',
  PURCHASE_WINDOW_SECONDS: String(config.purchaseWindowHours * 3600),
  APPCONFIG_APPLICATION: flags.applicationId,
  APPCONFIG_ENVIRONMENT: flags.environmentId,
  APPCONFIG_FLAGS_PROFILE: flags.profileId,
  FLAGS_MAX_AGE_SECONDS: String(FLAGS_MAX_AGE_SECONDS),
  RETRY_QUEUE_URL: retryQueue.url,
  COMPLETER_SLA_SECONDS: String(COMPLETER_SLA_SECONDS),
  NOTIFICATIONS_TABLE: notifications.name,
  EMAIL_FROM: config.notificationEmailFrom,
  SMS_ORIGINATION_IDENTITY: config.smsOriginationIdentity ?? '',
  AUDIT_BUCKET: audit.auditBucketName,
  AUDIT_SIGNING_KEY_ARN: audit.signingKeyArn,
};

const bundles = await bundleFunctions(Object.keys(functionSpecs));
const statements = functionStatements({
  region,
  accountId,
  kmsKeyArn: key.arn,
  plansTableArn: plans.arn,
  plansStreamArn: plans.streamArn,
  executionsTableArn: executions.arn,
  idempotencyTableArn: idempotency.arn,
  paperOrdersTableArn: paperOrders?.arn ?? null,
  exchangeSecretArn: credentials?.arn ?? null,
  readOnlyExchangeSecretArn: readOnlyCredentials?.arn ?? null,
  exchangeStateTableArn: exchangeState.arn,
  retryQueueArn: retryQueue.arn,
  stateMachineArn,
  flagsConfigurationArn: flags.configurationArn,
  eventBusArn: bus.arn,
  schedulerRoleArn: scheduling.role.arn,
  planSchedulesArn: scheduling.planSchedulesArn,
  streamFailureQueueArn: streamFailures.arn,
  notificationsTableArn: notifications.arn,
  notificationQueueArn: notificationQueue.arn,
  emailIdentityArn: emailIdentity.arn,
  smsOriginationIdentityArn: config.smsOriginationIdentity,
  auditBucketArn: audit.auditBucketArn,
  auditSigningKeyArn: audit.signingKeyArn,
});
const lambdas = {} as Record<FunctionName, LambdaFunction>;
for (const [name, spec] of Object.entries(functionSpecs) as [
  FunctionName,
  (typeof functionSpecs)[FunctionName],
][]) {
  const bundle = bundles.get(name);
  if (bundle === undefined) throw new Error(`no bundle for function ${name}`);
  lambdas[name] = new LambdaFunction(name, {
    functionName: functionName(name),
    spec,
    code: bundle.code,
    // Only what the function declares, and only what this stack's configuration uses.
    environment: Object.fromEntries(
      spec.environment
        .map((variable) => [variable, variables[variable]] as const)
        .filter(([, value]) => value !== ''),
    ),
    statements: jobs.some((job) => job.name === name)
      ? [
          ...statements[name],
          ...sendToQueueStatements('FailedRuns', scheduling.deadLetterQueue.arn, key.arn, region),
        ]
      : statements[name],
    accountId,
    region,
    kmsKeyArn: key.arn,
    logRetentionDays: config.logRetentionDays,
    tags,
  });
}

const workflow = new PurchaseWorkflow('purchase', {
  stateMachineName,
  plansTableName: plans.name,
  plansTableArn: plans.arn,
  executionsTableName: executions.name,
  executionsTableArn: executions.arn,
  eventBusName: bus.name,
  eventBusArn: bus.arn,
  decideFunctionArn: lambdas.decide.arn,
  placeOrderFunctionArn: lambdas['place-order'].arn,
  retryQueueUrl: retryQueue.url,
  retryQueueArn: retryQueue.arn,
  purchaseWindowHours: config.purchaseWindowHours,
  accountId,
  region,
  kmsKeyArn: key.arn,
  logRetentionDays: config.logRetentionDays,
  tags,
});

// The plans table's stream keeps each plan's schedule in step with the plan.
new aws.lambda.EventSourceMapping(
  'plan-sync-stream',
  {
    eventSourceArn: plans.streamArn,
    functionName: lambdas['schedule-sync'].name,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    maximumBatchingWindowInSeconds: 1,
    functionResponseTypes: ['ReportBatchItemFailures'],
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 5,
    maximumRecordAgeInSeconds: 6 * 60 * 60,
    destinationConfig: { onFailure: { destinationArn: streamFailures.arn } },
    tags,
  },
  { dependsOn: [lambdas['schedule-sync']] },
);
// The stream's failed batches, read back and synced (the sweeper syncs what the stream lost).
new aws.lambda.EventSourceMapping(
  'plan-stream-failures-resync',
  {
    eventSourceArn: streamFailures.arn,
    functionName: lambdas['schedule-resync'].name,
    batchSize: 1,
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: functionSpecs['schedule-resync'].reservedConcurrency },
    tags,
  },
  { dependsOn: [lambdas['schedule-resync']] },
);
// The retry queue restarts slots; at most five dispatchers at once: the queue is the backpressure.
new aws.lambda.EventSourceMapping(
  'purchase-retries-dispatch',
  {
    eventSourceArn: retryQueue.arn,
    functionName: lambdas['retry-dispatcher'].name,
    batchSize: 10,
    maximumBatchingWindowInSeconds: 5,
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: 5 },
    tags,
  },
  { dependsOn: [lambdas['retry-dispatcher']] },
);
// The notifier: partial batch failures; after five receives a message goes to the dead letters.
new aws.lambda.EventSourceMapping(
  'notifications-notify',
  {
    eventSourceArn: notificationQueue.arn,
    functionName: lambdas.notifier.name,
    batchSize: 10,
    maximumBatchingWindowInSeconds: 1,
    functionResponseTypes: ['ReportBatchItemFailures'],
    scalingConfig: { maximumConcurrency: functionSpecs.notifier.reservedConcurrency },
    tags,
  },
  { dependsOn: [lambdas.notifier] },
);
// The recurring jobs (declared above) run on their schedules; failures go to the dead letters.
for (const job of jobs) {
  new aws.lambda.FunctionEventInvokeConfig(`${job.name}-failures`, {
    functionName: lambdas[job.name].name,
    maximumRetryAttempts: 2,
    destinationConfig: { onFailure: { destination: scheduling.deadLetterQueue.arn } },
  });
  scheduling.jobSchedule(job.name, {
    functionArn: lambdas[job.name].arn,
    expression: job.expression,
    description: job.description,
    kmsKeyArn: key.arn,
    dependsOn: [lambdas[job.name]],
  });
}

const users = new UserPool('users', {
  poolName: prefix,
  deletionProtection: config.deletionProtection,
  tags,
});
const catalog = loadResolverCatalog();
const code = await bundleResolvers(catalog, apiSettingsFor(prefix, config));
const api = new GraphqlApi(
  'graphql',
  {
    apiName: prefix,
    catalog,
    code,
    dataSources: {
      // Resolvers read plans by key; the `due` index is the sweeper's.
      plans: { kind: 'dynamodb', name: plans.name, arn: plans.arn, indexArns: [] },
      executions: {
        kind: 'dynamodb',
        name: executions.name,
        arn: executions.arn,
        // The resolvers read executions by key, and a plan's open runs (updatePlan's currency
        // rule); the other indexes serve the completer and reconciliation.
        indexArns: executions.arn.apply((arn) => [`${arn}/index/openByPlan`]),
      },
      notifications: {
        kind: 'dynamodb',
        name: notifications.name,
        arn: notifications.arn,
        indexArns: [],
      },
      calendar: { kind: 'lambda', functionArn: lambdas.calendar.arn },
      schedulePreview: { kind: 'lambda', functionArn: lambdas['schedule-preview'].arn },
    },
    userPoolId: users.id,
    userPoolClientId: users.clientId,
    accountId,
    region,
    kmsKeyArn: key.arn,
    introspection: config.graphqlIntrospection,
    queryDepthLimit: config.queryDepthLimit,
    resolverCountLimit: config.resolverCountLimit,
    rateLimitPer5Minutes: config.apiRateLimitPer5Minutes,
    logRetentionDays: config.logRetentionDays,
    tags,
  },
  {
    transformations: [
      ({ type, name, props, opts }) =>
        type === 'aws:iam/role:Role'
          ? { props: { ...props, name: graphqlRoleName(name) }, opts }
          : undefined,
    ],
  },
);
resolveApiLogGroupArn(
  pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:/aws/appsync/apis/${api.api.id}`,
);

export const graphqlUrl = api.url;
export const userPoolId = users.id;
export const userPoolClientId = users.clientId;
export const plansTableArn = plans.arn;
export const executionsTableArn = executions.arn;
export const purchaseStateMachineArn = workflow.arn;
export const eventBusName = bus.name;
export const kmsKeyArn = key.arn;
export const retryQueueUrl = retryQueue.url;
export const exchangeSecretArn = credentials?.arn ?? null;
export const readOnlyExchangeSecretArn = readOnlyCredentials?.arn ?? null;
export const featureFlagsConfigurationArn = flags.configurationArn;
export const notificationQueueUrl = notificationQueue.url;
export const auditBucketName = audit.auditBucketName;
export const auditTrailArn = audit.trailArn;
export const auditSigningKeyArn = audit.signingKeyArn;
export const emailIdentityDkimTokens = emailIdentity.dkimSigningAttributes.apply(
  (attributes) => attributes?.tokens ?? [],
);
