/**
 * The whole system on one machine: DynamoDB Local with the tables from `shared/tables.ts`; the
 * AppSync API running the deployed resolver bundles; the Lambdas' deployed bundles in worker
 * threads; the purchase state machine from its `.asl.json`; stand-ins for EventBridge Scheduler,
 * EventBridge and the DynamoDB stream event source; the paper exchange; the Cognito stand-in;
 * and the control endpoints under `/_local/`. `npm start` runs it; integration tests start one
 * per test file. This file composes: the queues, event sources, jobs, rules and environments come
 * from `shared/topology.ts` through `wiring.ts`; the control endpoints live in `control.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bundleFunctions, writeBundle } from '#build/functions.ts';
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import { currencySettings, type ApiSettings } from '#shared/api-settings.ts';
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import { parseStackConfig, readStackConfigValues, type StackConfig } from '#shared/stack-config.ts';
import { PURCHASE_STATE_MACHINE_FILE, type PurchaseSubstitutions } from '#shared/state-machines.ts';
import {
  functionArn as topologyFunctionArn,
  functionInvokeArn,
  unqualifiedFunctionArn,
  unqualifiedStateMachineArn,
  JOB_NAMES,
  stateMachineArn as topologyStateMachineArn,
  topology as deploymentTopology,
  type JobName,
  type QueueKey,
} from '#shared/topology.ts';
import { destroyClients, localClients, redrive } from '../scripts/lib/redrive.ts';
import { tableName, tables } from '#shared/tables.ts';
import { LocalDynamoDbDataSource } from './services/appsync/dynamodb.ts';
import { LocalGraphqlApi, type GraphqlRequest } from './services/appsync/engine.ts';
import { LocalUserPool, TokenRequestError, UnauthorizedError } from './services/auth.ts';
import { LocalClock } from './clock.ts';
import { ClockDriver, WorkInFlight, type ClockDriverStats } from './clock-driver.ts';
import { quietJobs } from './quiet-jobs.ts';
import {
  ensureTables,
  LOCAL_AWS,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from './services/dynamodb.ts';
import { LocalEventBus } from './services/eventbridge.ts';
import { consoleRoutes } from './console.ts';
import { graphiqlRoutes } from './graphiql.ts';
import { createJsonServer, createRoutes, type LocalRequest, type Reply } from './http.ts';
import { LocalLambda } from './services/lambda.ts';
import { LOCAL_APPCONFIG, LocalAppConfig } from './services/appconfig.ts';
import {
  NO_EXCHANGE_FAULTS,
  PaperExchange,
  type ExchangeFaults,
} from './services/paper-exchange-server.ts';
import { Journal } from './services/journal.ts';
import { LocalScheduler } from './services/scheduler.ts';
import { LocalFirehose } from './services/firehose.ts';
import { LambdaInvocationError } from './services/lambda.ts';
import { LocalLambdaApi } from './services/lambda-api.ts';
import { LocalSqs } from './services/sqs.ts';
import { LocalOutbox } from './services/outbox.ts';
import { LocalAuditSigner, LocalAuditTrail } from './services/audit.ts';
import { LocalKms } from './services/kms.ts';
import { LocalS3 } from './services/s3.ts';
import { LocalSes } from './services/ses.ts';
import { LOCAL_PROTECT_CONFIGURATION_ID, LocalSms } from './services/sms.ts';
import { LocalStepFunctionsApi } from './services/stepfunctions-api.ts';
import { LocalStateMachine } from './services/stepfunctions.ts';
import type { StreamFailure } from './services/streams.ts';
import { registerControlRoutes } from './control.ts';
import { LocalMonitoring } from './monitoring.ts';
import {
  createEventSources,
  createQueues,
  jobScheduleRequests,
  localEnvironments,
  subscribeRules,
} from './wiring.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ACCOUNT = '000000000000';

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. Default 4000. */
  readonly port?: number;
  /**
   * Where DynamoDB data, the token key, the clock and the emulated services' state persist
   * (`services/*.jsonl`, see `local/services/journal.ts`); omitted means in memory.
   */
  readonly dataDir?: string;
  /** An already running DynamoDB Local to use instead of starting one (tests share one). */
  readonly dynamodbEndpoint?: string;
  /** Prefix of table and resource names. Default "local". */
  readonly prefix?: string;
  readonly clock?: LocalClock;
  /** Stack config; default: `Pulumi.dev.yaml`, so local behaves like dev. */
  readonly config?: StackConfig;
  readonly log?: (line: string) => void;
  /** Fire due schedules in the background as wall time passes (npm start). Default true. */
  readonly autoFire?: boolean;
  /** Multiplies the state machine's Retry intervals; tests shorten them. Default 1. */
  readonly retryScale?: number;
  /** Execution environments per Lambda at most. Default: 4, or the reserved concurrency if lower. */
  readonly lambdaConcurrency?: number;
  /** Powertools log level of the Lambdas. Default WARN. */
  readonly lambdaLogLevel?: string;
  /** How long the order Lambda waits for the paper exchange before calling it a timeout. Default 3000. */
  readonly exchangeTimeoutMs?: number;
}

/** Faults the local stack injects on request (`POST /_local/faults`). */
export interface Faults {
  /** Every schedule firing is delivered this many times, concurrently. */
  duplicateDeliveries: number;
  /** Share of orders (0..1) after which the order Lambda's environment dies (the order stands). */
  crashAfterOrderRate: number;
  /** How the paper exchange misbehaves. */
  exchange: ExchangeFaults;
  /** Functions whose every invocation fails at once (as code that throws before doing anything). */
  failingFunctions: FunctionName[];
}

export interface LocalStack {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly clock: LocalClock;
  readonly dynamodb: DynamoDBClient;
  readonly dynamodbEndpoint: string;
  readonly settings: ApiSettings;
  readonly tableNames: Readonly<Record<string, string>>;
  readonly scheduler: LocalScheduler;
  readonly stateMachine: LocalStateMachine;
  readonly eventBus: LocalEventBus;
  readonly exchange: PaperExchange;
  readonly sqs: LocalSqs;
  /** The retry queue's URL and ARN. */
  readonly retryQueue: { readonly url: string; readonly arn: string };
  /** The queue the bus's notifications rule feeds (the notifier consumes it). */
  readonly notificationQueueUrl: string;
  /** The metrics the deployed alarms read, and those alarms on the local clock (`local/monitoring.ts`). */
  readonly monitoring: LocalMonitoring;
  /** Every email and SMS sent, newest last (`GET /_local/outbox`). */
  readonly outbox: LocalOutbox;
  readonly ses: LocalSes;
  readonly sms: LocalSms;
  /** The audit bucket's name (its objects under `<dataDir>/audit/`) and the digests' signing key. */
  readonly audit: { readonly bucket: string; readonly signingKeyArn: string };
  readonly appConfig: LocalAppConfig;
  readonly lambdas: ReadonlyMap<FunctionName, LocalLambda>;
  readonly faults: Faults;
  /** Fires everything due up to `epochMs` and waits until the system has settled. */
  advanceTo(epochMs: number): Promise<number>;
  /** Waits until every running workflow and stream record has been handled. */
  settle(): Promise<void>;
  /** The work advancing the clock has done so far (firings delivered and elided, probes). */
  readonly clockStats: ClockDriverStats;
  /** Requests the resolvers made beyond what `resolvers/manifest.ts` grants (should stay empty). */
  readonly accessViolations: () => readonly { caller: string; action: string; table: string }[];
  stop(): Promise<void>;
}

/** The dev stack's config, which the local stack uses unless told otherwise. */
export function devStackConfig(): StackConfig {
  return parseStackConfig(readStackConfigValues(join(ROOT, 'Pulumi.dev.yaml')));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function unauthorized(message: string): Reply {
  return {
    status: 401,
    headers: { 'x-amzn-errortype': 'UnauthorizedException' },
    body: { errors: [{ errorType: 'UnauthorizedException', message }] },
  };
}

function isGraphqlRequest(body: unknown): body is GraphqlRequest {
  if (body === null || typeof body !== 'object') return false;
  const { query, variables, operationName } = body as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    (variables === undefined ||
      variables === null ||
      (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName === undefined || operationName === null || typeof operationName === 'string')
  );
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const clock =
    options.clock ??
    (options.dataDir === undefined
      ? LocalClock.fromEnvironment()
      : LocalClock.kept(join(options.dataDir, 'clock.json')));
  const config = options.config ?? devStackConfig();
  const prefix = options.prefix ?? 'local';
  const region = LOCAL_AWS.region;
  const catalog = loadResolverCatalog();

  let ready = false;
  const stoppers: (() => Promise<void>)[] = [];
  // Each emulated service's durable state, in the data folder; closed last when the stack stops.
  const journals: Journal<never>[] = [];
  const journal = <V>(service: string): Journal<V> => {
    const opened = new Journal<V>(
      options.dataDir === undefined
        ? undefined
        : join(options.dataDir, 'services', `${service}.jsonl`),
    );
    journals.push(opened as Journal<never>);
    return opened;
  };
  stoppers.push(async () => {
    clock.save();
    for (const each of journals) each.close();
  });
  const userPool = new LocalUserPool(
    'https://cognito-idp.local.amazonaws.com/local_pool',
    options.dataDir === undefined ? undefined : join(options.dataDir, 'token-key'),
  );

  const routes = createRoutes();
  const server = createJsonServer(routes, log);
  const port = await listen(server, options.port ?? 4000);
  const url = `http://127.0.0.1:${port}`;
  // `prefix`: what the stack's resource names start with (the redrive command's `--local` asks).
  routes.exact.set('GET /_local/health', () =>
    ready
      ? { status: 200, body: { status: 'ok', prefix } }
      : { status: 503, body: { status: 'starting' } },
  );
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };

  try {
    let dynamoDbLocal: DynamoDbLocal | undefined;
    if (options.dynamodbEndpoint === undefined) {
      dynamoDbLocal = await startDynamoDbLocal(
        options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 'dynamodb') },
      );
      const started = dynamoDbLocal;
      stoppers.push(() => started.stop());
    }
    const dynamodbEndpoint = options.dynamodbEndpoint ?? (dynamoDbLocal as DynamoDbLocal).endpoint;
    const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodbEndpoint });
    stoppers.push(async () => dynamodb.destroy());
    const tableNames = Object.fromEntries(
      tables.map((table) => [table.name, tableName(prefix, table)]),
    );
    const migrated = await ensureTables(
      dynamodb,
      tables.map((table) => ({ table, name: tableName(prefix, table) })),
    );
    if (migrated.length > 0) {
      log(
        `kept data: rebuilt the indexes this version defines differently: ${migrated.join(', ')}`,
      );
    }

    const faults: Faults = {
      duplicateDeliveries: 1,
      crashAfterOrderRate: 0,
      exchange: NO_EXCHANGE_FAULTS,
      failingFunctions: [],
    };
    // Shared with every Lambda worker: parts per million of orders after which it crashes.
    const crashAfterOrder = new Int32Array(new SharedArrayBuffer(4));
    const appConfig = new LocalAppConfig(undefined, journal('appconfig'));
    if (!appConfig.restored) appConfig.set(config.flags);
    routes.prefixes.set(appConfig.prefix, appConfig.handler);
    const sqs = new LocalSqs({
      now: () => clock.now(),
      region,
      accountId: ACCOUNT,
      baseUrl: () => url,
      journal: journal('sqs'),
    });
    routes.prefixes.set(sqs.prefix, sqs.handler);
    // Every queue of the topology, as the deploy creates them.
    const topology = deploymentTopology(
      { prefix, region, accountId: ACCOUNT },
      config.notifications,
    );
    const queues = createQueues(sqs, topology);
    const retryQueue = queues['purchase-retries'];
    const blockOrdersQueue = queues['block-orders'];
    const stepFunctionsPrefix = '/_aws/states';
    const eventBus = new LocalEventBus({ now: () => clock.now(), region, accountId: ACCOUNT, log });
    routes.prefixes.set(eventBus.prefix, eventBus.handler);
    // Notifications: SES and End User Messaging SMS answer the real SDK clients into an outbox;
    // the bus's rule feeds the notifications queue, as Pulumi wires it.
    const outbox = new LocalOutbox(journal('outbox'));
    const ses = new LocalSes({
      now: () => clock.now(),
      outbox,
      region,
      verifiedIdentities: [
        config.notificationEmailFrom.slice(config.notificationEmailFrom.indexOf('@') + 1),
      ],
      // Bounces and complaints, as the configuration set's EventBridge destination publishes them.
      publish: (event) => eventBus.publishServiceEvent({ source: 'aws.ses', ...event }),
      suppressionJournal: journal('ses-suppression'),
    });
    routes.prefixes.set(ses.prefix, ses.handler);
    // End User Messaging as the stack's account has it: the protect configuration where SMS is on
    // (its countries, as infra's SmsProtection), and the enforced monthly spend limit.
    const sms = new LocalSms({
      now: () => clock.now(),
      outbox,
      ...(config.smsOriginationIdentity === null
        ? {}
        : {
            protectConfiguration: {
              id: LOCAL_PROTECT_CONFIGURATION_ID,
              countries: config.notifications.sms.countries,
            },
          }),
      spendLimit: {
        monthlySpendLimitUsd: config.notifications.sms.monthlySpendLimitUsd,
        maxPricePerPartMicroUsd: config.notifications.sms.maxPricePerPartMicroUsd,
      },
    });
    // The metrics and alarms of the deployed stack, on the local clock; alerts into the outbox.
    const monitoring = new LocalMonitoring({
      topology,
      config,
      now: () => clock.now(),
      journal,
      outbox,
      sqs,
    });
    monitoring.registerRoutes(routes);
    routes.prefixes.set(sms.prefix, sms.handler);
    // The audit rule: every event of the bus, into the (local) audit bucket.
    const audit = new LocalAuditTrail(
      options.dataDir === undefined ? undefined : join(options.dataDir, 'audit'),
    );
    const auditSigner = new LocalAuditSigner(
      options.dataDir === undefined ? undefined : join(options.dataDir, 'audit-signing-key.pem'),
    );
    // The audit bucket and the signing key, for the digest and report Lambdas.
    const auditBucket = `${prefix}-audit-${ACCOUNT}-${region}`;
    const s3 = new LocalS3({ buckets: new Map([[auditBucket, audit.store]]) });
    routes.prefixes.set(s3.prefix, s3.handler);
    const auditSigningKeyArn = `arn:aws:kms:${region}:${ACCOUNT}:key/${prefix}-audit-signing`;
    const kms = new LocalKms({
      keys: [
        { arn: auditSigningKeyArn, names: [`alias/${prefix}-audit-signing`], signer: auditSigner },
      ],
    });
    routes.prefixes.set(kms.prefix, kms.handler);
    // The bus's rules: notifications into their queue; every event into the audit bucket.
    subscribeRules(topology, eventBus, {
      sqs,
      queues,
      auditStream: (event) => audit.record(event),
      observe: (rule, outcome) => monitoring.ruleDelivery(rule, outcome),
    });
    const exchange = new PaperExchange(() => clock.now(), undefined, journal('exchange'));
    routes.prefixes.set('/_local/exchange/api', exchange.handler('/_local/exchange/api'));

    // Lambdas: the deployed bundles, each function with exactly its declared configuration.
    const functionArn = (name: FunctionName) => topologyFunctionArn(topology, name);
    const stateMachineArn = topologyStateMachineArn(topology);
    const environments = localEnvironments(topology, config, {
      kmsKeyArn: `arn:aws:kms:${region}:${ACCOUNT}:key/local`,
      retryQueueUrl: retryQueue.url,
      blockOrdersQueueUrl: blockOrdersQueue.url,
      flags: { application: prefix, ...LOCAL_APPCONFIG },
      exchangeSecretArn: null,
      readOnlyExchangeSecretArn: null,
      auditSigningKeyArn,
      smsProtectConfigurationId:
        config.smsOriginationIdentity === null ? null : LOCAL_PROTECT_CONFIGURATION_ID,
      // Locally the paper exchange is an HTTP service (so faults can be injected on the wire).
      exchange: {
        kind: 'paper-http',
        url: `${url}/_local/exchange/api`,
        timeoutMs: options.exchangeTimeoutMs ?? 3000,
      },
    });
    const variables = environments.variables;
    const bundles = await bundleFunctions(Object.keys(functionSpecs));
    const lambdas = new Map<FunctionName, LocalLambda>();
    const lambdasByArn = new Map<string, LocalLambda>();
    for (const [name, spec] of Object.entries(functionSpecs) as [
      FunctionName,
      (typeof functionSpecs)[FunctionName],
    ][]) {
      const bundle = bundles.get(name);
      if (bundle === undefined) throw new Error(`no bundle for function ${name}`);
      const lambda = new LocalLambda(
        {
          name: `${prefix}-${name}`,
          bundlePath: writeBundle(bundle),
          concurrency: Math.min(spec.reservedConcurrency, options.lambdaConcurrency ?? 4),
          reservedConcurrency: spec.reservedConcurrency,
          timeoutMs: spec.timeoutSeconds * 1000,
          memoryMb: spec.memoryMb,
          environment: {
            ...environments.of(name),
            AWS_REGION: region,
            AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
            AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodbEndpoint,
            AWS_ENDPOINT_URL_SCHEDULER: `${url}${'/_aws/scheduler'}`,
            AWS_ENDPOINT_URL_EVENTBRIDGE: `${url}${eventBus.prefix}`,
            AWS_ENDPOINT_URL_APPCONFIGDATA: `${url}${appConfig.prefix}`,
            AWS_ENDPOINT_URL_SQS: `${url}${sqs.prefix}`,
            AWS_ENDPOINT_URL_SFN: `${url}${stepFunctionsPrefix}`,
            AWS_ENDPOINT_URL_SESV2: `${url}${ses.prefix}`,
            AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: `${url}${sms.prefix}`,
            AWS_ENDPOINT_URL_S3: `${url}${s3.prefix}`,
            AWS_ENDPOINT_URL_KMS: `${url}${kms.prefix}`,
            AWS_LAMBDA_FUNCTION_NAME: `${prefix}-${name}`,
            // Names the caller in the SDK's user agent (`app/<name>`), so a counting proxy in
            // front of DynamoDB Local can say which function sent each request.
            AWS_SDK_UA_APP_ID: name,
            // As deployed (`infra/components/lambda-function.ts`): the metrics' `service`
            // dimension is the function's name, which the alarms read.
            POWERTOOLS_SERVICE_NAME: `${prefix}-${name}`,
            POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
            POWERTOOLS_LOG_LEVEL: options.lambdaLogLevel ?? 'WARN',
            POWERTOOLS_TRACE_DISABLED: 'true',
            // On: the EMF lines on stdout become the local store's metrics.
            POWERTOOLS_METRICS_DISABLED: 'false',
          },
        },
        clock.offset,
        crashAfterOrder,
        monitoring.lambdaObserver(name),
      );
      lambdas.set(name, lambda);
      lambdasByArn.set(functionArn(name), lambda);
      stoppers.push(() => lambda.stop());
    }
    const lambda = (name: FunctionName) => lambdas.get(name) as LocalLambda;

    const stateMachine = new LocalStateMachine({
      definitionFile: PURCHASE_STATE_MACHINE_FILE,
      stateMachineArn,
      substitutions: {
        PlansTable: variables.PLANS_TABLE,
        ExecutionsTable: variables.EXECUTIONS_TABLE,
        EventBusName: variables.EVENT_BUS_NAME,
        // As deployed: the Tasks invoke the `live` aliases (the local Lambdas answer any qualifier).
        DecideFunctionArn: functionInvokeArn(topology, 'decide'),
        PlaceOrderFunctionArn: functionInvokeArn(topology, 'place-order'),
        JoinBlockFunctionArn: functionInvokeArn(topology, 'join-block'),
        // `config.execution` decides, as in the deploy: a BUY joins a block in aggregated mode.
        ExecutionMode: config.execution.mode,
        RetryQueueUrl: retryQueue.url,
        PurchaseWindowHours: String(config.purchaseWindowHours),
      } satisfies PurchaseSubstitutions,
      clockOffset: clock.offset,
      now: () => clock.now(),
      dynamodbEndpoint,
      eventsEndpoint: `${url}${eventBus.prefix}`,
      sqsEndpoint: `${url}${sqs.prefix}`,
      region,
      lambdas: lambdasByArn,
      retryScale: options.retryScale ?? 1,
      observer: monitoring.executionObserver,
    });
    stoppers.push(() => stateMachine.stop());

    // The scheduler delivers to the state machine (plan slots) and to Lambdas (the sweeper).
    const work = new WorkInFlight();
    /**
     * An asynchronous invocation (Event), as the Scheduler and the Invoke API make them: Lambda
     * retries a failed run (a job's `failedRuns`, else twice), then sends an invocation record to
     * the job's on-failure destination.
     * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
     */
    const invokeAsync = (nameOrArn: string, event: unknown): boolean => {
      // A qualified name or ARN (`:live`, `:$LATEST`, `:3`) runs the one local version.
      const unqualified = nameOrArn.startsWith('arn:')
        ? unqualifiedFunctionArn(nameOrArn)
        : (nameOrArn.split(':')[0] ?? nameOrArn);
      const target =
        lambdasByArn.get(unqualified) ??
        lambdas.get(unqualified.replace(`${prefix}-`, '') as FunctionName);
      if (
        target === undefined ||
        (!unqualified.startsWith('arn:') && target.config.name !== unqualified)
      ) {
        return false;
      }
      const job = JOB_NAMES.find((name) => lambdas.get(name) === target) as JobName | undefined;
      const failedRuns = job === undefined ? undefined : topology.jobs[job].failedRuns;
      const attempts = 1 + (failedRuns?.maximumRetryAttempts ?? 2);
      work.track(
        (async () => {
          let failure: unknown;
          for (let attempt = 1; attempt <= attempts; attempt += 1) {
            try {
              await target.invoke(event);
              return;
            } catch (error) {
              failure = error;
            }
          }
          if (failedRuns === undefined || job === undefined) return;
          const error =
            failure instanceof LambdaInvocationError
              ? { errorType: failure.errorType, errorMessage: failure.message }
              : { errorType: 'Error', errorMessage: String(failure) };
          sqs.send(
            queues[failedRuns.onFailure].url,
            JSON.stringify({
              version: '1.0',
              timestamp: new Date(clock.now()).toISOString(),
              requestContext: {
                requestId: randomUUID(),
                functionArn: `${functionArn(job)}:$LATEST`,
                condition: 'RetriesExhausted',
                approximateInvokeCount: attempts,
              },
              requestPayload: event,
              responseContext: {
                statusCode: 200,
                executedVersion: '$LATEST',
                functionError: 'Unhandled',
              },
              responsePayload: { ...error, trace: [] },
            }),
          );
        })(),
        `asynchronous invocation of ${target.config.name}`,
      );
      return true;
    };
    const scheduler = new LocalScheduler({
      now: () => clock.now(),
      region,
      accountId: ACCOUNT,
      journal: journal('scheduler'),
      onDeadLetter: (deadLetter) => monitoring.schedulerDeadLetter(deadLetter),
      deliver: async (delivery) => {
        const input = JSON.parse(delivery.input) as unknown;
        // The schedules target the `live` alias; locally there is one version of the workflow.
        if (unqualifiedStateMachineArn(delivery.target.Arn) === stateMachineArn) {
          work.track(stateMachine.start(input), 'execution of the purchase workflow');
          return;
        }
        if (!invokeAsync(delivery.target.Arn, input)) {
          throw new Error(`no local target ${delivery.target.Arn}`);
        }
      },
      sendDeadLetter: (deadLetter, attributes) => {
        sqs.send(deadLetter.deadLetterArn, deadLetter.input, undefined, attributes);
      },
    });
    routes.prefixes.set(scheduler.prefix, scheduler.handler);
    // What the redrive of the dead letters calls: Lambda's Invoke (Event) and the audit stream.
    const lambdaApi = new LocalLambdaApi({ invokeAsync, region, accountId: ACCOUNT });
    routes.prefixes.set(lambdaApi.prefix, lambdaApi.handler);
    const auditRule = topology.rules.audit.target;
    const firehose = new LocalFirehose({
      streams: new Map(
        'auditStream' in auditRule ? [[auditRule.auditStream, (event) => audit.record(event)]] : [],
      ),
      accountId: ACCOUNT,
      eventBusName: topology.names.eventBus,
    });
    routes.prefixes.set(firehose.prefix, firehose.handler);

    // The event source mappings: the plans stream (its on-failure destination is a queue that
    // schedule-resync works off), the retry queue, the failure queue and the notifications queue.
    const streamFailures: StreamFailure[] = [];
    const eventSources = createEventSources(topology, {
      sqs,
      queues,
      lambda,
      work,
      now: () => clock.now(),
      dynamodbEndpoint,
      onStreamFailure: (failure) => streamFailures.push(failure),
      streamPollIntervalMs: 200,
      log,
    });
    for (const stream of eventSources.streams) stoppers.push(() => stream.stop());
    const stepFunctionsApi = new LocalStepFunctionsApi({
      stateMachines: [stateMachine],
      track: (execution, label) => work.track(execution, label),
      now: () => clock.now(),
      prefix: stepFunctionsPrefix,
    });
    routes.prefixes.set(stepFunctionsApi.prefix, stepFunctionsApi.handler);
    // Counted for the recurring jobs' probes: what may have changed the tables they read.
    let apiRequests = 0;
    const clockDriver = new ClockDriver({
      clock,
      scheduler,
      streams: eventSources.streams,
      queues: eventSources.queues,
      work,
      copies: () => faults.duplicateDeliveries,
      observer: monitoring,
      slowSettle: { report: log },
      quiet: new Map(
        [
          ...quietJobs({
            dynamodb,
            plansTable: variables.PLANS_TABLE,
            executionsTable: variables.EXECUTIONS_TABLE,
            audit: audit.store,
            invocations: (name) => lambda(name).invocations,
            apiRequests: () => apiRequests,
            executionsStarted: () => stateMachine.started,
          }),
        ].map(([job, probe]) => [`${prefix}-${job}`, probe]),
      ),
    });

    // The schedule group and the sweeper's recurring schedule, as Pulumi creates them.
    const schedulerApi = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${url}${scheduler.prefix}${path}`, {
        method,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      if (!response.ok && response.status !== 409)
        throw new Error(`local scheduler setup: ${response.status} ${await response.text()}`);
    };
    await schedulerApi('POST', `/schedule-groups/${variables.SCHEDULE_GROUP}`, {
      ClientToken: `${prefix}-group`,
    });
    // The recurring jobs of the topology.
    for (const job of jobScheduleRequests(topology, clock.now())) {
      await schedulerApi('POST', `/schedules/${job.name}`, job.body);
    }
    for (const stream of eventSources.streams) stream.start();

    const settings: ApiSettings = {
      plansTable: variables.PLANS_TABLE,
      maxPlansPerUser: config.maxPlansPerUser,
      currencies: currencySettings(config.currencies),
      smsCountries: config.notifications.sms.countries,
    };
    const plansSource = new LocalDynamoDbDataSource(dynamodb);
    const executionsSource = new LocalDynamoDbDataSource(dynamodb);
    const notificationsSource = new LocalDynamoDbDataSource(dynamodb);
    const api = new LocalGraphqlApi({
      catalog,
      code: await bundleResolvers(catalog, settings),
      dataSources: {
        plans: { kind: 'dynamodb', tableName: variables.PLANS_TABLE, executor: plansSource },
        executions: {
          kind: 'dynamodb',
          tableName: variables.EXECUTIONS_TABLE,
          executor: executionsSource,
        },
        notifications: {
          kind: 'dynamodb',
          tableName: variables.NOTIFICATIONS_TABLE,
          executor: notificationsSource,
        },
        calendar: { kind: 'lambda', lambda: lambda('calendar') },
        contacts: { kind: 'lambda', lambda: lambda('contacts') },
        schedulePreview: { kind: 'lambda', lambda: lambda('schedule-preview') },
      },
      now: () => clock.now(),
      queryDepthLimit: config.queryDepthLimit,
      resolverCountLimit: config.resolverCountLimit,
      log,
    });

    routes.exact.set('POST /_local/token', async (request) => {
      try {
        const token = await userPool.issueToken(LocalUserPool.parseTokenRequest(request.body));
        return { status: 200, body: { token } };
      } catch (error) {
        if (error instanceof TokenRequestError)
          return { status: 400, body: { error: error.message } };
        throw error;
      }
    });
    const graphiql = graphiqlRoutes({
      issueToken: (sub) => userPool.issueToken(LocalUserPool.parseTokenRequest({ sub })),
    });
    for (const [route, handler] of graphiql) routes.exact.set(route, handler);
    // The console on `GET /` draws thresholds and names alarms from the catalog evaluated here.
    const localConsole = consoleRoutes({ alarms: monitoring.definitions });
    for (const [route, handler] of localConsole) routes.exact.set(route, handler);
    routes.exact.set('POST /graphql', async (request) => {
      // AppSync's metrics of every answer, errors in a 200 included.
      const started = performance.now();
      let reply: Reply | undefined;
      try {
        reply = await graphql(request);
        return reply;
      } finally {
        const body = reply?.body as { errors?: unknown[] } | undefined;
        monitoring.graphqlAnswer(
          reply?.status ?? 500,
          Math.round(performance.now() - started),
          Array.isArray(body?.errors) && body.errors.length > 0,
        );
      }
    });
    const graphql = async (request: LocalRequest): Promise<Reply> => {
      apiRequests += 1;
      let identity;
      try {
        identity = await userPool.authenticate(request.headers.authorization, request.sourceIp);
      } catch (error) {
        if (error instanceof UnauthorizedError) return unauthorized(error.message);
        throw error;
      }
      if (!isGraphqlRequest(request.body)) {
        return {
          status: 400,
          body: {
            errors: [
              {
                errorType: 'MalformedHttpRequestException',
                message:
                  'The body must be a JSON object with a string `query` and optional `variables` and `operationName`.',
              },
            ],
          },
        };
      }
      const body = await api.execute(request.body, identity, request.headers);
      // Counted again once its writes are done: a probe run meanwhile read the state before them.
      apiRequests += 1;
      return { status: 200, body };
    };
    registerControlRoutes(routes, {
      clock,
      clockDriver,
      scheduler,
      exchange,
      faults,
      crashAfterOrder,
      lambdas,
      appConfig,
      stateMachine,
      eventBus,
      outbox,
      ses,
      settle: () => clockDriver.settle(),
      audit,
      deadLetters: () => ({
        schedules: scheduler.deadLetters(),
        streams: streamFailures,
        retries: sqs.messages(topology.queues['purchase-retries-dlq'].name),
        notifications: sqs.messages(topology.queues['notifications-dlq'].name),
        // Every dead-letter queue of the topology, by its key.
        queues: Object.fromEntries(
          (Object.keys(topology.queues) as QueueKey[])
            .filter((key) => topology.queues[key].kind === 'dead-letter')
            .map((key) => [key, sqs.messages(topology.queues[key].name)]),
        ),
      }),
      // The redrive script's own code, with its clients pointed at this stack.
      redrive: async (request) => {
        const clients = localClients(url);
        try {
          return await redrive(clients, { ...request, topology, pollIntervalMs: 50 });
        } finally {
          destroyClients(clients);
        }
      },
    });

    // Schedules fire as wall time passes, not only when the clock is advanced.
    let ticker: NodeJS.Timeout | undefined;
    if (options.autoFire ?? true) {
      const tick = () => {
        void clockDriver
          .advanceTo(clock.now())
          .catch((error: unknown) => log(`clock: ${(error as Error).message}`))
          .finally(() => {
            clock.save();
            if (ticker !== undefined) ticker = setTimeout(tick, 1000);
          });
      };
      ticker = setTimeout(tick, 1000);
      stoppers.push(async () => {
        clearTimeout(ticker);
        ticker = undefined;
      });
    }

    // The alarms' first evaluation: each leaves INSUFFICIENT_DATA, as a new alarm does.
    monitoring.observe(clock.now());
    ready = true;
    return {
      url,
      graphqlUrl: `${url}/graphql`,
      clock,
      dynamodb,
      dynamodbEndpoint,
      settings,
      tableNames,
      scheduler,
      stateMachine,
      eventBus,
      exchange,
      sqs,
      retryQueue,
      notificationQueueUrl: queues.notifications.url,
      monitoring,
      outbox,
      ses,
      sms,
      audit: { bucket: auditBucket, signingKeyArn: auditSigningKeyArn },
      appConfig,
      lambdas,
      faults,
      advanceTo: (epochMs) => clockDriver.advanceTo(epochMs),
      settle: () => clockDriver.settle(),
      clockStats: clockDriver.stats,
      accessViolations: () => [
        ...plansSource.violations,
        ...executionsSource.violations,
        ...notificationsSource.violations,
      ],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
