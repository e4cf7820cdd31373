/**
 * The whole system on one machine: DynamoDB Local with the tables from `shared/tables.ts`; the
 * AppSync API running the deployed resolver bundles; the Lambdas' deployed bundles in worker
 * threads; the purchase state machine from its `.asl.json`; stand-ins for EventBridge Scheduler,
 * EventBridge and the DynamoDB stream event source; the paper exchange; the Cognito stand-in;
 * and the control endpoints under `/_local/`. `npm start` runs it; integration tests start one
 * per test file.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bundleFunctions, writeBundle } from '#build/functions.ts';
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import { currencySettings, type ApiSettings } from '#shared/api-settings.ts';
import {
  COMPLETER_RATE,
  COMPLETER_SLA_SECONDS,
  FLAGS_MAX_AGE_SECONDS,
  functionSpecs,
  RECONCILE_RATE,
  AUDIT_DIGEST_RATE,
  AUDIT_REPORT_RATE,
  SWEEP_GRACE_SECONDS,
  SWEEP_RATE,
  type FunctionName,
  type FunctionVariable,
} from '#shared/functions.ts';
import { parseStackConfig, readStackConfigValues, type StackConfig } from '#shared/stack-config.ts';
import { PURCHASE_STATE_MACHINE_FILE } from '#shared/state-machines.ts';
import {
  exchangeStateTable,
  executionsTable,
  notificationsTable,
  idempotencyTable,
  plansTable,
  tableName,
  tables,
} from '#shared/tables.ts';
import { LocalDynamoDbDataSource } from './services/appsync/dynamodb.ts';
import { LocalGraphqlApi, type GraphqlRequest } from './services/appsync/engine.ts';
import { LocalUserPool, TokenRequestError, UnauthorizedError } from './services/auth.ts';
import { ClockError, LocalClock } from './clock.ts';
import { ClockDriver, WorkInFlight, type ClockDriverStats } from './clock-driver.ts';
import { quietJobs } from './quiet-jobs.ts';
import {
  ensureTables,
  LOCAL_AWS,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from './services/dynamodb.ts';
import { LocalEventBus, toEventEnvelope } from './services/eventbridge.ts';
import { graphiqlPage } from './graphiql.ts';
import { BadRequestError, createJsonServer, createRoutes, type Reply } from './http.ts';
import { LocalLambda } from './services/lambda.ts';
import { LocalAppConfig } from './services/appconfig.ts';
import {
  NO_EXCHANGE_FAULTS,
  PaperExchange,
  parseExchangeFaults,
  type ExchangeFaults,
} from './services/paper-exchange-server.ts';
import { Journal } from './services/journal.ts';
import { LocalScheduler } from './services/scheduler.ts';
import { LocalSqs } from './services/sqs.ts';
import { LocalSqsEventSource } from './services/sqs-event-source.ts';
import { LocalOutbox } from './services/outbox.ts';
import { LocalAuditSigner, LocalAuditTrail } from './services/audit.ts';
import { LocalKms } from './services/kms.ts';
import { LocalS3 } from './services/s3.ts';
import { LocalSes } from './services/ses.ts';
import { LocalSms } from './services/sms.ts';
import { NOTIFICATIONS_EVENT_PATTERN, matchesPattern } from '#shared/events.ts';
import { LocalStepFunctionsApi } from './services/stepfunctions-api.ts';
import { LocalStateMachine } from './services/stepfunctions.ts';
import { LocalStreamMapping, onFailureRecord, type StreamFailure } from './services/streams.ts';

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

function parseFaults(body: unknown): Faults {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(
      'send a JSON object such as {"duplicateDeliveries": 3, "exchange": {"errorRate": 0.3}}, or {} to clear every fault',
    );
  }
  const { duplicateDeliveries, crashAfterOrderRate, exchange, failingFunctions, ...unknown } =
    body as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new BadRequestError(`unknown fault(s): ${extra.join(', ')}`);
  if (
    duplicateDeliveries !== undefined &&
    (!Number.isInteger(duplicateDeliveries) ||
      (duplicateDeliveries as number) < 1 ||
      (duplicateDeliveries as number) > 10)
  ) {
    throw new BadRequestError('duplicateDeliveries must be an integer from 1 to 10');
  }
  if (
    crashAfterOrderRate !== undefined &&
    (typeof crashAfterOrderRate !== 'number' ||
      !(crashAfterOrderRate >= 0 && crashAfterOrderRate <= 1))
  ) {
    throw new BadRequestError('crashAfterOrderRate must be a number from 0 to 1');
  }
  const names = Object.keys(functionSpecs);
  if (
    failingFunctions !== undefined &&
    (!Array.isArray(failingFunctions) ||
      failingFunctions.some((name) => typeof name !== 'string' || !names.includes(name)))
  ) {
    throw new BadRequestError(`failingFunctions must be a list of names from: ${names.join(', ')}`);
  }
  return {
    duplicateDeliveries: (duplicateDeliveries as number | undefined) ?? 1,
    crashAfterOrderRate: (crashAfterOrderRate as number | undefined) ?? 0,
    exchange: parseExchangeFaults(exchange ?? {}),
    failingFunctions: (failingFunctions as FunctionName[] | undefined) ?? [],
  };
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
  routes.exact.set('GET /_local/health', () =>
    ready ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'starting' } },
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
    await ensureTables(
      dynamodb,
      tables.map((table) => ({ table, name: tableName(prefix, table) })),
    );

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
    // As Pulumi creates them: the retry queue parks what keeps failing after 10 receives.
    const retryDeadLettersUrl = sqs.createQueue(`${prefix}-purchase-retries-dlq`, {
      MessageRetentionPeriod: String(14 * 24 * 3600),
    });
    const retryQueueUrl = sqs.createQueue(`${prefix}-purchase-retries`, {
      VisibilityTimeout: String(6 * functionSpecs['retry-dispatcher'].timeoutSeconds),
      MessageRetentionPeriod: String(2 * 24 * 3600),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArnOf(retryDeadLettersUrl),
        maxReceiveCount: 10,
      }),
    });
    const retryQueue = { url: retryQueueUrl, arn: sqs.queueArnOf(retryQueueUrl) };
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
    });
    routes.prefixes.set(ses.prefix, ses.handler);
    const sms = new LocalSms({ now: () => clock.now(), outbox });
    routes.prefixes.set(sms.prefix, sms.handler);
    const notificationDeadLettersUrl = sqs.createQueue(`${prefix}-notifications-dlq`, {
      MessageRetentionPeriod: String(14 * 24 * 3600),
    });
    const notificationQueueUrl = sqs.createQueue(`${prefix}-notifications`, {
      VisibilityTimeout: String(6 * functionSpecs.notifier.timeoutSeconds),
      MessageRetentionPeriod: String(4 * 24 * 3600),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArnOf(notificationDeadLettersUrl),
        maxReceiveCount: 5,
      }),
    });
    eventBus.subscribe((event) => {
      if (!matchesPattern(NOTIFICATIONS_EVENT_PATTERN, event)) return;
      sqs.send(notificationQueueUrl, JSON.stringify(toEventEnvelope(event)));
    });
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
    eventBus.subscribe((event) => {
      audit.record(event);
    });
    const exchange = new PaperExchange(() => clock.now(), undefined, journal('exchange'));
    routes.prefixes.set('/_local/exchange/api', exchange.handler('/_local/exchange/api'));

    // Lambdas: the deployed bundles, each function with exactly its declared configuration.
    const functionArn = (name: string) =>
      `arn:aws:lambda:${region}:${ACCOUNT}:function:${prefix}-${name}`;
    const stateMachineArn = `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${prefix}-purchase`;
    const variables: Record<FunctionVariable, string> = {
      PLANS_TABLE: tableName(prefix, plansTable),
      EXECUTIONS_TABLE: tableName(prefix, executionsTable),
      IDEMPOTENCY_TABLE: tableName(prefix, idempotencyTable),
      SCHEDULE_GROUP: `${prefix}-plans`,
      PURCHASE_STATE_MACHINE_ARN: stateMachineArn,
      SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${prefix}-scheduler`,
      SCHEDULE_DLQ_ARN: `arn:aws:sqs:${region}:${ACCOUNT}:${prefix}-schedules-dlq`,
      KMS_KEY_ARN: `arn:aws:kms:${region}:${ACCOUNT}:key/local`,
      EVENT_BUS_NAME: `${prefix}-events`,
      SWEEP_GRACE_SECONDS: String(SWEEP_GRACE_SECONDS),
      // Locally the paper exchange is an HTTP service (so faults can be injected on the wire).
      EXCHANGE: 'paper-http',
      EXCHANGE_API_URL: '',
      EXCHANGE_SECRET_ARN: '',
      EXCHANGE_READONLY_SECRET_ARN: '',
      EXCHANGE_STATE_TABLE: tableName(prefix, exchangeStateTable),
      EXCHANGE_RATE_LIMIT_PER_SECOND: String(config.exchangeRateLimitPerSecond),
      PAPER_EXCHANGE_URL: `${url}/_local/exchange/api`,
      PAPER_EXCHANGE_TIMEOUT_MS: String(options.exchangeTimeoutMs ?? 3000),
      PAPER_ORDERS_TABLE: '',
      PAPER_SETTINGS: '',
      PURCHASE_WINDOW_SECONDS: String(config.purchaseWindowHours * 3600),
      APPCONFIG_APPLICATION: prefix,
      APPCONFIG_ENVIRONMENT: 'local',
      APPCONFIG_FLAGS_PROFILE: 'flags',
      FLAGS_MAX_AGE_SECONDS: String(FLAGS_MAX_AGE_SECONDS),
      RETRY_QUEUE_URL: retryQueue.url,
      COMPLETER_SLA_SECONDS: String(COMPLETER_SLA_SECONDS),
      NOTIFICATIONS_TABLE: tableName(prefix, notificationsTable),
      EMAIL_FROM: config.notificationEmailFrom,
      SMS_ORIGINATION_IDENTITY: config.smsOriginationIdentity ?? '',
      AUDIT_BUCKET: auditBucket,
      AUDIT_SIGNING_KEY_ARN: auditSigningKeyArn,
    };
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
            ...Object.fromEntries(
              spec.environment.map((variable) => [variable, variables[variable]]),
            ),
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
            POWERTOOLS_SERVICE_NAME: name,
            POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
            POWERTOOLS_LOG_LEVEL: options.lambdaLogLevel ?? 'WARN',
            POWERTOOLS_TRACE_DISABLED: 'true',
            POWERTOOLS_METRICS_DISABLED: 'true',
          },
        },
        clock.offset,
        crashAfterOrder,
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
        DecideFunctionArn: functionArn('decide'),
        PlaceOrderFunctionArn: functionArn('place-order'),
        RetryQueueUrl: retryQueue.url,
        PurchaseWindowHours: String(config.purchaseWindowHours),
      },
      clockOffset: clock.offset,
      now: () => clock.now(),
      dynamodbEndpoint,
      eventsEndpoint: `${url}${eventBus.prefix}`,
      sqsEndpoint: `${url}${sqs.prefix}`,
      region,
      lambdas: lambdasByArn,
      retryScale: options.retryScale ?? 1,
    });
    stoppers.push(() => stateMachine.stop());

    // The scheduler delivers to the state machine (plan slots) and to Lambdas (the sweeper).
    const work = new WorkInFlight();
    const scheduler = new LocalScheduler({
      now: () => clock.now(),
      region,
      accountId: ACCOUNT,
      journal: journal('scheduler'),
      deliver: async (delivery) => {
        const input = JSON.parse(delivery.input) as unknown;
        if (delivery.target.Arn === stateMachineArn) {
          work.track(stateMachine.start(input));
          return;
        }
        const target = lambdasByArn.get(delivery.target.Arn);
        if (target === undefined) throw new Error(`no local target ${delivery.target.Arn}`);
        work.track(target.invoke(input));
      },
    });
    routes.prefixes.set(scheduler.prefix, scheduler.handler);

    // The stream's on-failure destination is a queue that schedule-resync works off, as deployed.
    const streamFailures: StreamFailure[] = [];
    const streamFailureDeadLettersUrl = sqs.createQueue(`${prefix}-plan-stream-failures-dlq`, {
      MessageRetentionPeriod: String(14 * 24 * 3600),
    });
    const streamFailureQueueUrl = sqs.createQueue(`${prefix}-plan-stream-failures`, {
      VisibilityTimeout: String(6 * functionSpecs['schedule-resync'].timeoutSeconds),
      MessageRetentionPeriod: String(14 * 24 * 3600),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: sqs.queueArnOf(streamFailureDeadLettersUrl),
        maxReceiveCount: 5,
      }),
    });
    const planStream = new LocalStreamMapping({
      endpoint: dynamodbEndpoint,
      tableName: variables.PLANS_TABLE,
      lambda: lambda('schedule-sync'),
      batchSize: 100,
      maximumRetryAttempts: 5,
      bisectBatchOnFunctionError: true,
      onFailure: (failure) => {
        streamFailures.push(failure);
        sqs.send(
          streamFailureQueueUrl,
          JSON.stringify(
            onFailureRecord(failure, functionArn('schedule-sync'), new Date(clock.now())),
          ),
        );
      },
      pollIntervalMs: 200,
      log,
    });
    stoppers.push(() => planStream.stop());
    const stepFunctionsApi = new LocalStepFunctionsApi({
      stateMachines: [stateMachine],
      track: (execution) => work.track(execution),
      now: () => clock.now(),
      prefix: stepFunctionsPrefix,
    });
    routes.prefixes.set(stepFunctionsApi.prefix, stepFunctionsApi.handler);
    // The retry queue's event source mapping: the dispatcher, with partial batch failures.
    const retries = new LocalSqsEventSource({
      sqs,
      queueArn: retryQueue.arn,
      batchSize: 10,
      invoke: (event) => lambda('retry-dispatcher').invoke(event),
      reportBatchItemFailures: true,
      work,
    });
    const resync = new LocalSqsEventSource({
      sqs,
      queueArn: sqs.queueArnOf(streamFailureQueueUrl),
      batchSize: 1,
      invoke: (event) => lambda('schedule-resync').invoke(event),
      reportBatchItemFailures: true,
      work,
    });
    const notifier = new LocalSqsEventSource({
      sqs,
      queueArn: sqs.queueArnOf(notificationQueueUrl),
      batchSize: 10,
      invoke: (event) => lambda('notifier').invoke(event),
      reportBatchItemFailures: true,
      work,
    });
    // Counted for the recurring jobs' probes: what may have changed the tables they read.
    let apiRequests = 0;
    const clockDriver = new ClockDriver({
      clock,
      scheduler,
      streams: [planStream],
      queues: [retries, notifier, resync],
      work,
      copies: () => faults.duplicateDeliveries,
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
    // The recurring jobs, as Pulumi creates them. Reconciliation runs daily shortly after
    // midnight UTC, for the day before; the audit digest hourly (it seals each day once it has
    // ended an hour ago), the monthly report daily.
    const minute = 60_000;
    const nextMidnight = Math.ceil(clock.now() / (1440 * minute)) * 1440 * minute;
    for (const [job, expression, start] of [
      ['sweeper', SWEEP_RATE, clock.now() + 5 * minute],
      ['completer', COMPLETER_RATE, clock.now() + 10 * minute],
      ['reconcile', RECONCILE_RATE, nextMidnight + 15 * minute],
      ['audit-digest', AUDIT_DIGEST_RATE, nextMidnight + 65 * minute],
      ['audit-report', AUDIT_REPORT_RATE, nextMidnight + 125 * minute],
    ] as const) {
      await schedulerApi('POST', `/schedules/${prefix}-${job}`, {
        ClientToken: `${prefix}-${job}`,
        GroupName: variables.SCHEDULE_GROUP,
        ScheduleExpression: expression,
        StartDate: Math.floor(start / 1000),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: functionArn(job), RoleArn: variables.SCHEDULER_ROLE_ARN, Input: '{}' },
      });
    }
    planStream.start();

    const settings: ApiSettings = {
      plansTable: variables.PLANS_TABLE,
      maxPlansPerUser: config.maxPlansPerUser,
      currencies: currencySettings(config.currencies),
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
          tableName: tableName(prefix, notificationsTable),
          executor: notificationsSource,
        },
        calendar: { kind: 'lambda', lambda: lambda('calendar') },
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
    routes.exact.set('GET /graphql', async (request) => {
      const sub = request.url.searchParams.get('sub') ?? 'demo';
      const token = await userPool.issueToken(LocalUserPool.parseTokenRequest({ sub }));
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: graphiqlPage(token, sub),
      };
    });
    routes.exact.set('POST /graphql', async (request) => {
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
    });
    routes.exact.set('GET /_local/clock', () => ({ status: 200, body: { now: clock.nowIso() } }));
    routes.exact.set('POST /_local/clock', async (request) => {
      const { advanceTo } = (request.body ?? {}) as { advanceTo?: unknown };
      const target = typeof advanceTo === 'string' ? Date.parse(advanceTo) : Number.NaN;
      if (
        typeof advanceTo !== 'string' ||
        Number.isNaN(target) ||
        !/T.*(Z|[+-]\d{2}:?\d{2})$/.test(advanceTo)
      ) {
        throw new BadRequestError('send {"advanceTo": "<ISO 8601 timestamp with Z or an offset>"}');
      }
      if (target < clock.now()) {
        throw new BadRequestError(`the clock only moves forward; it is ${clock.nowIso()}`);
      }
      try {
        const fired = await clockDriver.advanceTo(target);
        return { status: 200, body: { now: clock.nowIso(), fired } };
      } catch (error) {
        if (error instanceof ClockError) throw new BadRequestError(error.message);
        throw error;
      }
    });
    routes.exact.set('GET /_local/schedules', () => ({ status: 200, body: scheduler.list() }));
    routes.exact.set('GET /_local/exchange', () => ({ status: 200, body: exchange.state() }));
    routes.exact.set('POST /_local/exchange', (request) => ({
      status: 200,
      body: exchange.configure(request.body),
    }));
    routes.exact.set('POST /_local/faults', (request) => {
      Object.assign(faults, parseFaults(request.body));
      Atomics.store(crashAfterOrder, 0, Math.round(faults.crashAfterOrderRate * 1_000_000));
      exchange.setFaults(faults.exchange);
      for (const [name, each] of lambdas) each.failing = faults.failingFunctions.includes(name);
      return { status: 200, body: faults };
    });
    routes.exact.set('GET /_local/flags', () => ({ status: 200, body: appConfig.flags }));
    routes.exact.set('POST /_local/flags', (request) => ({
      status: 200,
      body: appConfig.set(request.body),
    }));
    routes.exact.set('GET /_local/faults', () => ({ status: 200, body: faults }));
    routes.exact.set('GET /_local/executions', () => ({
      status: 200,
      body: stateMachine.history(),
    }));
    routes.exact.set('GET /_local/events', () => ({ status: 200, body: eventBus.events() }));
    routes.exact.set('GET /_local/outbox', () => ({ status: 200, body: outbox.messages() }));
    routes.exact.set('GET /_local/audit', () => ({ status: 200, body: audit.records() }));
    routes.exact.set('GET /_local/dead-letters', () => ({
      status: 200,
      body: {
        schedules: scheduler.deadLetters(),
        streams: streamFailures,
        retries: sqs.messages(`${prefix}-purchase-retries-dlq`),
        notifications: sqs.messages(`${prefix}-notifications-dlq`),
      },
    }));

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
      notificationQueueUrl,
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
