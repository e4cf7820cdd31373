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
import { CANARY_FUNCTIONS, functionSpecs, type FunctionName } from '#shared/functions.ts';
import {
  alarmCatalog,
  auditTamperingRuleName,
  smsSpendWatched,
} from '#shared/monitoring/alarms.ts';
import { dashboardCatalog } from '#shared/monitoring/dashboards.ts';
import {
  functionReleaseAlarms,
  stateMachineReleaseAlarms,
} from '#shared/monitoring/release-alarms.ts';
import {
  LIVE_ALIAS,
  PRE_TRAFFIC_HOOK,
  codeDeployApplicationName,
  codeDeployConfigName,
  type ReleaseTargets,
} from '#shared/release.ts';
import { PROJECT, checkSmsOriginationRegion } from '#shared/stack-config.ts';
import {
  exchangeStateTable,
  executionsTable,
  notificationsTable,
  idempotencyTable,
  paperOrdersTable,
  plansTable,
} from '#shared/tables.ts';
import {
  functionArn as topologyFunctionArn,
  functionEnvironment,
  functionName as topologyFunctionName,
  functionVariables,
  JOB_NAMES,
  ruleArn,
  stateMachineArn as topologyStateMachineArn,
  topology as deploymentTopology,
  type EventSourceEntry,
  type EventSourceKey,
  type QueueKey,
  type RuleKey,
} from '#shared/topology.ts';
import { AuditTrail, auditKeyPolicyStatements, auditTrailNames } from './components/audit-trail.ts';
import { CanaryReleases } from './components/canary-releases.ts';
import { EventBus } from './components/event-bus.ts';
import { LambdaEventSource } from './components/event-source.ts';
import { ExchangeCredentials } from './components/exchange-credentials.ts';
import { FeatureFlags } from './components/feature-flags.ts';
import { GraphqlApi } from './components/graphql-api.ts';
import { LambdaFunction, lambdaRoleName } from './components/lambda-function.ts';
import {
  Alarms,
  AlertTopics,
  AuditTamperingRule,
  Dashboards,
  EmailReputation,
  LogMetrics,
  alarmNamesBySeverity,
  auditTamperingRuleArn,
  monitoringKeyPolicyStatements,
} from './components/monitoring/index.ts';
import { alarmArn } from './components/monitoring/names.ts';
import { Notifications } from './components/notifications.ts';
import { PlanScheduling } from './components/plan-scheduling.ts';
import { ProjectKey } from './components/project-key.ts';
import { PurchaseWorkflow } from './components/purchase-workflow.ts';
import { SmsProtection } from './components/sms-protection.ts';
import { EncryptedQueue, sendToQueueStatements, topologyQueueArgs } from './components/queue.ts';
import { QueueRule } from './components/queue-rule.ts';
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
// Queues, event sources, jobs, rules and environments: one declaration, shared with `local/`.
const topology = deploymentTopology({ prefix, region, accountId }, config.notifications);

// Rules are named, so their ARNs are known before anything exists (the key policy names those
// that deliver into a queue: EventBridge encrypts what it sends there with the project key).
const busName = topology.names.eventBus;
const queueRules = (Object.keys(topology.rules) as RuleKey[]).filter(
  (rule) => 'queue' in topology.rules[rule].target,
);

const functionName = (name: FunctionName) => topologyFunctionName(topology, name);
const functionArn = (name: FunctionName) => topologyFunctionArn(topology, name);
const stateMachineName = topology.names.stateMachine;
const stateMachineArn = topologyStateMachineArn(topology);
const scheduleGroupName = topology.names.scheduleGroup;
const auditNames = auditTrailNames({ prefix, accountId, region, eventBusName: busName });
const roleArn = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;
// Monitoring names its topics, alarms and rule from the prefix: the key policy names them first.
const monitoringPlace = { prefix, accountId, region };
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
  queueRuleArns: queueRules.map((rule) => ruleArn(topology, rule)),
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
  extraStatements: [
    ...auditKeyPolicyStatements({ prefix, accountId, region, eventBusName: busName }),
    ...monitoringKeyPolicyStatements(monitoringPlace),
  ],
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
const notificationRecords = new Table('notifications', {
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
// Every alarm of the catalog (the monitoring below creates them); the flags watch some of them.
const alarmDefinitions = alarmCatalog(topology, config.monitoring, {
  paper: config.exchange === 'paper',
  sms: smsSpendWatched(config),
});
const flags = new FeatureFlags('flags', {
  applicationName: prefix,
  environmentName: stack,
  // The kill switch for incidents: no monitors, so an alarm in ALARM cannot roll a stop back.
  emergencyEnvironmentName: `${stack}-emergency`,
  flags: config.flags,
  deployment: config.release.flags,
  // One composite covers every alarm that says customers' money is affected (AppConfig watches
  // five at most): any of them in ALARM rolls a flags deployment back.
  monitorAlarmArns: alarmDefinitions
    .filter((alarm) => alarm.key === 'purchases-at-risk')
    .map((alarm) => alarmArn(monitoringPlace, alarm.name)),
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
  recording: { rule: topology.rules.audit, deadLetterQueue: topology.queues['audit-dlq'] },
  accountId,
  region,
  tags,
});

// The recurring jobs (`topology.jobs`), invoked asynchronously by their schedules: a failed run
// goes to the scheduling dead-letter queue (its on-failure destination, sent with the function's
// own role).
const scheduling = new PlanScheduling('scheduling', {
  groupName: scheduleGroupName,
  stateMachineArn,
  jobFunctionArns: JOB_NAMES.map((job) => functionArn(job)),
  deadLetterQueue: topology.queues['plans-dlq'],
  accountId,
  region,
  kmsKeyArn: key.arn,
  tags,
});
const queueContext = { kmsKeyArn: key.arn, tags };
/** A work queue of the topology and, first, the dead-letter queue its entry names. */
function queueWithDeadLetters(work: QueueKey): {
  queue: EncryptedQueue;
  deadLetters: EncryptedQueue;
} {
  const deadLetterKey = topology.queues[work].deadLetter?.queue;
  if (deadLetterKey === undefined) throw new Error(`queue ${work} has no dead-letter queue`);
  const deadLetters = new EncryptedQueue(
    deadLetterKey,
    topologyQueueArgs(topology, deadLetterKey, queueContext),
  );
  const queue = new EncryptedQueue(
    work,
    topologyQueueArgs(topology, work, { ...queueContext, deadLetterArn: deadLetters.arn }),
  );
  return { queue, deadLetters };
}
const streamFailures = queueWithDeadLetters('plan-stream-failures').queue;
const retryQueue = queueWithDeadLetters('purchase-retries').queue;
// Aggregated mode's blocks (created in either mode: switching modes is a config change only).
const blockOrders = queueWithDeadLetters('block-orders').queue;
const outcomes = queueWithDeadLetters('slot-outcomes');
const outcomeQueue = outcomes.queue;
const outcomeDeadLetters = outcomes.deadLetters;
const emailFeedback = queueWithDeadLetters('email-feedback');
const emailReputation = new EmailReputation('email-reputation', {
  configurationSetName: `${prefix}-notifications`,
  defaultEventBusArn: `arn:aws:events:${region}:${accountId}:event-bus/default`,
  tags,
});
const notifications = new Notifications('notifications', {
  topology,
  eventBusName: bus.name,
  emailFrom: config.notificationEmailFrom,
  kmsKeyArn: key.arn,
  configurationSetName: emailReputation.configurationSetName,
  tags,
});
// Where SMS is on, End User Messaging itself refuses every country outside the allow-list.
const smsProtection =
  config.smsOriginationIdentity === null
    ? null
    : new SmsProtection('sms-protection', {
        countries: config.notifications.sms.countries,
        name: prefix,
        deletionProtection: config.deletionProtection,
        accountId,
        region,
        tags,
      });

const variables = functionVariables(topology, config, {
  kmsKeyArn: key.arn,
  retryQueueUrl: retryQueue.url,
  blockOrdersQueueUrl: blockOrders.url,
  flags: {
    application: flags.applicationId,
    environment: flags.environmentId,
    profile: flags.profileId,
    emergencyEnvironment: flags.emergencyEnvironmentId,
    emergencyProfile: flags.emergencyProfileId,
  },
  exchangeSecretArn: credentials?.arn ?? null,
  readOnlyExchangeSecretArn: readOnlyCredentials?.arn ?? null,
  auditSigningKeyArn: audit.signingKeyArn,
  smsProtectConfigurationId: smsProtection?.id ?? null,
  exchange: { kind: 'configured' },
});

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
  blockOrdersQueueArn: blockOrders.arn,
  stateMachineArn,
  flagsConfigurationArn: flags.configurationArn,
  emergencyStopConfigurationArn: flags.emergencyConfigurationArn,
  eventBusArn: bus.arn,
  schedulerRoleArn: scheduling.role.arn,
  planSchedulesArn: scheduling.planSchedulesArn,
  streamFailureQueueArn: streamFailures.arn,
  notificationsTableArn: notificationRecords.arn,
  notificationQueueArn: notifications.queue.arn,
  planChangeQueueArn: notifications.planChangeQueue.arn,
  outcomesQueueArn: outcomeQueue.arn,
  emailFeedbackQueueArn: emailFeedback.queue.arn,
  emailIdentityArn: notifications.emailIdentity.arn,
  smsOriginationIdentityArn: config.smsOriginationIdentity,
  smsProtectConfigurationArn: smsProtection?.arn ?? null,
  auditBucketArn: audit.auditBucketArn,
  auditSigningKeyArn: audit.signingKeyArn,
  codeDeployApplication: codeDeployApplicationName(prefix),
  releasedFunctionArns: CANARY_FUNCTIONS.map((name) => functionArn(name)),
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
    sourceMap: bundle.sourceMap,
    // Only what the function declares, and only what this stack's configuration uses.
    environment: functionEnvironment(name, variables),
    statements:
      name in topology.jobs
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
  // The Tasks invoke the `live` aliases: the release step decides which version buys.
  decideFunctionArn: lambdas.decide.invokeArn,
  placeOrderFunctionArn: lambdas['place-order'].invokeArn,
  joinBlockFunctionArn: lambdas['join-block'].invokeArn,
  executionMode: config.execution.mode,
  retryQueueUrl: retryQueue.url,
  retryQueueArn: retryQueue.arn,
  purchaseWindowHours: config.purchaseWindowHours,
  accountId,
  region,
  kmsKeyArn: key.arn,
  logRetentionDays: config.logRetentionDays,
  tags,
});

// The event source mappings (`topology.eventSources`), each once its function exists.
const workQueues: Partial<Record<QueueKey, EncryptedQueue>> = {
  'plan-stream-failures': streamFailures,
  'purchase-retries': retryQueue,
  'block-orders': blockOrders,
  notifications: notifications.queue,
  'plan-change-notifications': notifications.planChangeQueue,
  'slot-outcomes': outcomeQueue,
  'email-feedback': emailFeedback.queue,
};
const deadLetterQueues: Partial<Record<QueueKey, EncryptedQueue>> = {
  'notifications-dlq': notifications.deadLetterQueue,
  'slot-outcomes-dlq': outcomeDeadLetters,
  'email-feedback-dlq': emailFeedback.deadLetters,
};
const queueArn = (key: QueueKey) => {
  const queue = workQueues[key];
  if (queue === undefined) throw new Error(`no queue ${key} in the program`);
  return queue.arn;
};
for (const [name, entry] of Object.entries(topology.eventSources) as [
  EventSourceKey,
  EventSourceEntry,
][]) {
  if (entry.kind === 'stream' && entry.table !== plansTable.name) {
    throw new Error(`event source ${name}: only the plans table's stream is read`);
  }
  new LambdaEventSource(
    name,
    {
      entry,
      eventSourceArn: entry.kind === 'queue' ? queueArn(entry.queue) : plans.streamArn,
      // A released function's mapping invokes its `live` alias (`mappingFunction` in the topology).
      functionName: lambdas[entry.function].alias?.arn ?? lambdas[entry.function].name,
      ...(entry.kind === 'stream' ? { onFailureArn: queueArn(entry.onFailure) } : {}),
      tags,
    },
    { dependsOn: [lambdas[entry.function]] },
  );
}
// The rules into queues that no context component builds (the notifications component builds
// its own two rules): each from its topology entry.
const componentRules: readonly RuleKey[] = ['notifications', 'plan-change-notifications'];
for (const key of queueRules.filter((rule) => !componentRules.includes(rule))) {
  const entry = topology.rules[key];
  const deadLetters = deadLetterQueues[entry.deadLetterQueue];
  if (!('queue' in entry.target) || deadLetters === undefined) {
    throw new Error(`rule ${key}: its queue or dead-letter queue is not in the program`);
  }
  new QueueRule(key, {
    topology,
    rule: key,
    // A rule on the default bus (`eventBus: 'default'`) names it; the others are on the project's.
    eventBusName: entry.eventBus === 'default' ? 'default' : bus.name,
    queueArn: queueArn(entry.target.queue),
    deadLetterArn: deadLetters.arn,
    tags,
  });
}
// The recurring jobs run on their schedules; failures go to the dead letters.
for (const job of JOB_NAMES) {
  scheduling.job(job, {
    entry: topology.jobs[job],
    functionArn: lambdas[job].arn,
    functionName: lambdas[job].name,
    kmsKeyArn: key.arn,
    dependsOn: [lambdas[job]],
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
        name: notificationRecords.name,
        arn: notificationRecords.arn,
        indexArns: [],
      },
      calendar: { kind: 'lambda', functionArn: lambdas.calendar.arn },
      contacts: { kind: 'lambda', functionArn: lambdas.contacts.arn },
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

// Monitoring: every alarm and dashboard of the catalog, alerts to the topic of their severity.
const tamperingRuleName = auditTamperingRuleName(prefix);
const alerts = new AlertTopics('alerts', {
  ...monitoringPlace,
  kmsKeyArn: key.arn,
  alerts: config.monitoring.alerts,
  alarmNames: alarmNamesBySeverity(alarmDefinitions),
  auditTamperingRuleArn: auditTamperingRuleArn(monitoringPlace, tamperingRuleName),
  logRetentionDays: config.logRetentionDays,
  tags,
});
new AuditTamperingRule('audit-tampering', {
  ruleName: tamperingRuleName,
  recordsBucketName: audit.auditBucketName,
  bucketNames: [audit.auditBucketName, audit.trailBucketName, audit.logBucketName],
  writerRoleArns: [
    roleArn(auditNames.firehoseRoleName),
    roleArn(lambdaRoleName(functionName('audit-digest'))),
    roleArn(lambdaRoleName(functionName('audit-report'))),
  ],
  topicArn: alerts.arns.critical,
  tags,
});
const logMetrics = new LogMetrics('log-metrics', {
  stateMachineLogGroupName: workflow.logGroupName,
  apiLogGroupName: api.logGroup.name,
});
const resourceValues = { graphqlApiId: api.api.id };
const alarms = new Alarms(
  'alarms',
  {
    catalog: alarmDefinitions,
    runbookUrl: config.monitoring.runbookUrl,
    topicArns: alerts.arns,
    resourceValues,
    tags,
  },
  { dependsOn: [logMetrics] },
);
new Dashboards('dashboards', {
  dashboards: dashboardCatalog(topology, config.monitoring, alarmDefinitions),
  alarms: alarmDefinitions,
  accountId,
  region,
  resourceValues,
});

// Releases: CodeDeploy shifts each money-path function's `live` alias, watching its alarms and
// the purchase alarms (which must exist first); the release step starts the deployments.
const releases = new CanaryReleases(
  'releases',
  {
    applicationName: codeDeployApplicationName(prefix),
    roleName: `${prefix}-codedeploy`,
    deploymentConfigName: codeDeployConfigName(config.release.functions),
    functions: CANARY_FUNCTIONS.map((name) => ({
      key: name,
      functionArn: functionArn(name),
      alarmNames: functionReleaseAlarms(alarmDefinitions, name),
    })),
    preTrafficHookArn: functionArn(PRE_TRAFFIC_HOOK),
    accountId,
    region,
    tags,
  },
  { dependsOn: [alarms, ...CANARY_FUNCTIONS.map((name) => lambdas[name])] },
);

/** What the release step (`npm run release -- --stack <stack>`) shifts and watches. */
export const release: pulumi.Output<ReleaseTargets> = pulumi
  .all([
    releases.application.name,
    pulumi.all(
      CANARY_FUNCTIONS.map((name) =>
        pulumi
          .all([
            lambdas[name].name,
            lambdas[name].version,
            (releases.groups[name] as aws.codedeploy.DeploymentGroup).deploymentGroupName,
          ])
          .apply(([functionName, version, deploymentGroup]) => ({
            function: name,
            functionName,
            version,
            deploymentGroup,
          })),
      ),
    ),
    workflow.arn,
    workflow.aliasArn,
    workflow.versionArn,
  ])
  .apply(([application, functions, arn, aliasArn, versionArn]): ReleaseTargets => ({
    alias: LIVE_ALIAS,
    codeDeployApplication: application,
    deploymentConfig: codeDeployConfigName(config.release.functions),
    preTrafficHook: functionName(PRE_TRAFFIC_HOOK),
    functions,
    stateMachine: {
      arn,
      aliasArn,
      versionArn,
      deployment: config.release.stateMachine,
      alarms: stateMachineReleaseAlarms(alarmDefinitions),
    },
  }));

export const graphqlUrl = api.url;
export const userPoolId = users.id;
export const userPoolClientId = users.clientId;
export const plansTableArn = plans.arn;
export const executionsTableArn = executions.arn;
export const purchaseStateMachineArn = workflow.arn;
export const purchaseStateMachineAliasArn = workflow.aliasArn;
export const eventBusName = bus.name;
export const kmsKeyArn = key.arn;
export const retryQueueUrl = retryQueue.url;
export const exchangeSecretArn = credentials?.arn ?? null;
export const readOnlyExchangeSecretArn = readOnlyCredentials?.arn ?? null;
export const featureFlagsConfigurationArn = flags.configurationArn;
/** What `aws appconfig start-deployment` needs to deploy a new flags version (README, flags). */
export const featureFlagsApplicationId = flags.applicationId;
export const featureFlagsEnvironmentId = flags.environmentId;
export const featureFlagsProfileId = flags.profileId;
export const featureFlagsDeploymentStrategyId = flags.deploymentStrategyId;
/**
 * What an operator stops purchases with in an incident (runbook, Stopping purchases): the
 * emergency stop's environment (no monitors) and profile, deployed with `AppConfig.AllAtOnce`.
 */
export const emergencyStopEnvironmentId = flags.emergencyEnvironmentId;
export const emergencyStopProfileId = flags.emergencyProfileId;
export const emergencyStopConfigurationArn = flags.emergencyConfigurationArn;
export const notificationQueueUrl = notifications.queue.url;
export const auditBucketName = audit.auditBucketName;
export const auditTrailArn = audit.trailArn;
export const auditSigningKeyArn = audit.signingKeyArn;
export const criticalAlertTopicArn = alerts.arns.critical;
export const warningAlertTopicArn = alerts.arns.warning;
export const emailIdentityDkimTokens = notifications.emailIdentity.dkimSigningAttributes.apply(
  (attributes) => attributes?.tokens ?? [],
);
