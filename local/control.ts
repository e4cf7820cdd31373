/**
 * The local stack's control endpoints under `/_local/`: the clock, the schedules, the paper
 * exchange, injected faults, feature flags, and what happened (executions, events, outbox, audit
 * records, dead letters). They are contracts (README, Local stack): extend them, never reshape.
 * The wiring they look at lives in `local/wiring.ts`; `local/stack.ts` composes both.
 */
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import { ClockError, type LocalClock } from './clock.ts';
import type { ClockDriver } from './clock-driver.ts';
import { BadRequestError, type Routes } from './http.ts';
import type { LocalAppConfig } from './services/appconfig.ts';
import type { LocalAuditTrail } from './services/audit.ts';
import { toEventEnvelope, type LocalEventBus } from './services/eventbridge.ts';
import type { LocalLambda } from './services/lambda.ts';
import type { LocalOutbox } from './services/outbox.ts';
import { NoEmailToAddressError, type LocalSes, type SuppressionReason } from './services/ses.ts';
import { parseExchangeFaults, type PaperExchange } from './services/paper-exchange-server.ts';
import type { LocalScheduler } from './services/scheduler.ts';
import type { LocalStateMachine } from './services/stepfunctions.ts';
import type { Faults } from './stack.ts';
import { RedriveQueueError } from '#shared/redrive.ts';
import type { RedriveResult } from '../scripts/lib/redrive.ts';

/** A `POST /_local/dead-letters/redrive` request, checked. */
export interface RedriveRequest {
  readonly queue: string;
  readonly max?: number;
  readonly dryRun: boolean;
}

/** What the control endpoints read and change. */
export interface ControlTarget {
  readonly clock: LocalClock;
  readonly clockDriver: ClockDriver;
  readonly scheduler: LocalScheduler;
  readonly exchange: PaperExchange;
  /** Changed in place by `POST /_local/faults`. */
  readonly faults: Faults;
  /** Shared with every Lambda worker: parts per million of orders after which it crashes. */
  readonly crashAfterOrder: Int32Array;
  readonly lambdas: ReadonlyMap<FunctionName, LocalLambda>;
  readonly appConfig: LocalAppConfig;
  readonly stateMachine: LocalStateMachine;
  readonly eventBus: LocalEventBus;
  readonly outbox: LocalOutbox;
  /** `POST /_local/outbox`: bounces and complaints of the emails sent. */
  readonly ses: LocalSes;
  /** Waits until the system has settled (what a bounce or complaint started is done). */
  readonly settle: () => Promise<void>;
  readonly audit: LocalAuditTrail;
  /** `GET /_local/dead-letters`: what each dead-letter destination holds. */
  readonly deadLetters: () => Record<string, unknown>;
  /** `POST /_local/dead-letters/redrive`: what `npm run redrive -- --local` does. */
  readonly redrive: (request: RedriveRequest) => Promise<RedriveResult>;
}

/** Checks a `POST /_local/dead-letters/redrive` body. */
export function parseRedriveRequest(body: unknown): RedriveRequest {
  const usage =
    'send {"queue": "<dead-letter queue key, e.g. purchase-retries-dlq>", "max"?: <positive integer>, "dryRun"?: <boolean>}';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(usage);
  }
  const { queue, max, dryRun, ...unknown } = body as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0)
    throw new BadRequestError(`unknown field(s): ${extra.join(', ')}; ${usage}`);
  if (typeof queue !== 'string' || queue === '') throw new BadRequestError(usage);
  if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1)) {
    throw new BadRequestError('max must be a positive integer');
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') {
    throw new BadRequestError('dryRun must be true or false');
  }
  return {
    queue,
    dryRun: dryRun ?? false,
    ...(max === undefined ? {} : { max: max as number }),
  };
}

/** A `POST /_local/outbox` request, checked. */
export interface FeedbackRequest {
  readonly feedback: SuppressionReason;
  readonly to: string;
}

/** Checks a `POST /_local/outbox` body. */
export function parseFeedbackRequest(body: unknown): FeedbackRequest {
  const usage =
    'send {"feedback": "BOUNCE" | "COMPLAINT", "to": "<an address an email was sent to>"}';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(usage);
  }
  const { feedback, to, ...unknown } = body as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0)
    throw new BadRequestError(`unknown field(s): ${extra.join(', ')}; ${usage}`);
  if ((feedback !== 'BOUNCE' && feedback !== 'COMPLAINT') || typeof to !== 'string' || to === '') {
    throw new BadRequestError(usage);
  }
  return { feedback, to };
}

/** Checks a `POST /_local/faults` body. */
export function parseFaults(body: unknown): Faults {
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

/** Registers every `/_local/...` control endpoint on `routes`. */
export function registerControlRoutes(routes: Routes, target: ControlTarget): void {
  const {
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
    audit,
  } = target;
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
  // The emergency stop: a document of its own, which no alarm rolls back when deployed.
  routes.exact.set('GET /_local/flags/emergency-stop', () => ({
    status: 200,
    body: appConfig.emergencyStop,
  }));
  routes.exact.set('POST /_local/flags/emergency-stop', (request) => ({
    status: 200,
    body: appConfig.setEmergencyStop(request.body),
  }));
  routes.exact.set('GET /_local/faults', () => ({ status: 200, body: faults }));
  routes.exact.set('GET /_local/executions', () => ({
    status: 200,
    body: stateMachine.history(),
  }));
  routes.exact.set('GET /_local/events', () => ({ status: 200, body: eventBus.events() }));
  routes.exact.set('GET /_local/outbox', () => ({ status: 200, body: outbox.messages() }));
  // The newest email to an address bounces or draws a complaint: SES's event on the default bus,
  // the address on the suppression list; answered once what the event started has settled.
  routes.exact.set('POST /_local/outbox', async (request) => {
    const { feedback, to } = parseFeedbackRequest(request.body);
    try {
      const event = await target.ses.simulateFeedback(feedback, to);
      await target.settle();
      return { status: 200, body: { event: toEventEnvelope(event) } };
    } catch (error) {
      if (error instanceof NoEmailToAddressError) throw new BadRequestError(error.message);
      throw error;
    }
  });
  routes.exact.set('GET /_local/audit', () => ({ status: 200, body: audit.records() }));
  routes.exact.set('GET /_local/dead-letters', () => ({
    status: 200,
    body: target.deadLetters(),
  }));
  routes.exact.set('POST /_local/dead-letters/redrive', async (request) => {
    const redriveRequest = parseRedriveRequest(request.body);
    try {
      return { status: 200, body: await target.redrive(redriveRequest) };
    } catch (error) {
      if (error instanceof RedriveQueueError) throw new BadRequestError(error.message);
      throw error;
    }
  });
}
