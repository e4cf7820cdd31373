/** The purchase workflow's definition: valid ASL, resilient states, only known placeholders. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { detailProblems } from '#shared/bus-events.ts';
import { HOLDINGS_UPDATE_EXPRESSION } from '#shared/holdings.ts';
import {
  DefinitionSubstitutionError,
  PURCHASE_STATE_MACHINE_FILE,
  substituteDefinition,
} from '#shared/state-machines.ts';

const require = createRequire(import.meta.url);
const validate = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const TEXT = readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8');
const VALUES = {
  PlansTable: 'p',
  ExecutionsTable: 'e',
  EventBusName: 'b',
  DecideFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:decide',
  PlaceOrderFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:place-order',
  JoinBlockFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:join-block',
  ExecutionMode: 'per-slot',
  RetryQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/purchase-retries',
  PurchaseWindowHours: '6',
};

interface State {
  Type: string;
  Next?: string;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Choices?: { Variable: string; StringEquals: string; Next: string }[];
  Default?: string;
  Parameters?: Record<string, unknown>;
}

/** The failures retried within the run: backoff, read-back, then the decision again. */
const IN_RUN_RETRIED = [
  'ExchangeUnavailableError',
  'ExchangeUnknownOutcomeError',
  'ExchangeRateLimitedError',
  'ExchangeNonceError',
  'IdempotencyAlreadyInProgressError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.Unknown',
  'Runtime.ExitError',
  'Sandbox.Timedout',
  'States.Timeout',
];

type Definition = { TimeoutSeconds: number; States: Record<string, State> };
const definition = substituteDefinition(TEXT, VALUES) as Definition;
/** The same definition as an aggregated stack deploys it. */
const aggregated = substituteDefinition(TEXT, {
  ...VALUES,
  ExecutionMode: 'aggregated',
}) as Definition;

describe('purchase.asl.json', () => {
  it('is valid Amazon States Language (JSONPath)', () => {
    const { isValid, errors } = validate(definition);
    expect({ isValid, errors }).toEqual({ isValid: true, errors: [] });
    expect(TEXT).not.toContain('"QueryLanguage": "JSONata"');
  });

  it('gives every Task an explicit Retry for transient errors and a Catch', () => {
    for (const [name, state] of Object.entries(definition.States).filter(
      ([, state]) => state.Type === 'Task',
    )) {
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.length, name).toBeGreaterThan(0);
      expect(state.Catch?.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
    }
  });

  it('retries the join like the decision: only invokes that never ran', () => {
    expect(definition.States.JoinBlock?.Retry).toEqual(definition.States.Decide?.Retry);
  });

  it('takes the execution mode from the stack, as a placeholder the deploy and the local stack fill', () => {
    expect(definition.States.ExecutionMode?.Parameters).toEqual({ mode: 'per-slot' });
    expect(aggregated.States.ExecutionMode?.Parameters).toEqual({ mode: 'aggregated' });
    expect(definition.States.PerSlotOrBlock?.Choices).toEqual([
      { Variable: '$.execution.mode', StringEquals: 'aggregated', Next: 'JoinBlock' },
    ]);
    expect(definition.States.PerSlotOrBlock?.Default).toBe('PlaceOrder');
  });

  it('stops a run whose slot is in a block before any per-slot branch of the claim', () => {
    expect(definition.States.ClaimState?.Choices?.[0]).toEqual({
      Variable: '$.claim.item.blockId',
      IsPresent: true,
      Next: 'InBlock',
    });
    expect(definition.States.ReadBack?.Catch?.[0]).toEqual({
      ErrorEquals: ['RunInBlockError'],
      ResultPath: null,
      Next: 'InBlock',
    });
  });

  it('stays far inside the five minutes an Express execution may run', () => {
    expect(definition.TimeoutSeconds).toBeLessThanOrEqual(240);
  });

  it('claims the slot first', () => {
    expect((definition as unknown as { StartAt: string }).StartAt).toBe('ClaimSlot');
  });

  it('names only the placeholders the deploy and the local stack fill', () => {
    expect(() => substituteDefinition(TEXT, { ...VALUES, Extra: 'x' })).toThrow(
      new DefinitionSubstitutionError('the definition has no placeholder for Extra'),
    );
    const { EventBusName: _omitted, ...missing } = VALUES;
    expect(() => substituteDefinition(TEXT, missing)).toThrow(
      new DefinitionSubstitutionError('no value for the placeholder ${EventBusName}'),
    );
  });

  it('sends a run that exhausted its in-run retries to the retry queue, never to a failure', () => {
    const states = definition.States;
    for (const name of ['LoadPlan', 'Decide', 'JoinBlock']) {
      expect(states[name]?.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ScheduleRetry' },
      ]);
    }
    expect(states.PlaceOrder?.Catch).toEqual([
      { ErrorEquals: ['RunInBlockError'], ResultPath: null, Next: 'InBlock' },
      {
        ErrorEquals: ['InvalidOrderEventError', 'OverspendError'],
        ResultPath: '$.error',
        Next: 'OutcomeUnknown',
      },
      { ErrorEquals: ['OrderNotPlacedError'], ResultPath: '$.error', Next: 'LoadPlan' },
      { ErrorEquals: IN_RUN_RETRIED, ResultPath: '$.error', Next: 'InRunRetry' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ScheduleRetry' },
    ]);
    expect(states.ScheduleRetry?.Next).toBe('DeferRetry');
    expect(states.DeferRetry?.Parameters).toMatchObject({
      QueueUrl: VALUES.RetryQueueUrl,
      DelaySeconds: 60,
    });
    expect(states.DeferRetry?.Next).toBe('RetryScheduled');
  });

  it('never retries the order step in place, except a throttled invoke that never ran', () => {
    expect(definition.States.PlaceOrder?.Retry).toEqual([
      {
        ErrorEquals: ['Lambda.TooManyRequestsException'],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 3,
        JitterStrategy: 'FULL',
      },
    ]);
  });

  it('fails fast into the retry queue while the circuit is open: no in-run retry for it', () => {
    const retried = [
      ...(definition.States.PlaceOrder?.Catch ?? []),
      ...(definition.States.ReadBack?.Catch ?? []),
    ]
      .filter((c) => c.Next === 'InRunRetry')
      .flatMap((c) => c.ErrorEquals);
    expect(retried).toContain('ExchangeUnavailableError');
    expect(retried).not.toContain('ExchangeCircuitOpenError');
  });

  it('records a refusal by the decision as FAILED and a skip as SKIPPED', () => {
    expect(definition.States.BuyOrSkip?.Choices).toEqual([
      { Variable: '$.decision.action', StringEquals: 'BUY', Next: 'ExecutionMode' },
      { Variable: '$.decision.action', StringEquals: 'FAIL', Next: 'RecordDecisionFailure' },
    ]);
    expect(definition.States.BuyOrSkip?.Default).toBe('RecordSkipped');
    expect(definition.States.RecordDecisionFailure?.Next).toBe('RecordFailed');
  });

  it('records full and partial fills through the same ledger transaction', () => {
    expect(definition.States.OrderOutcome?.Choices).toEqual([
      { Variable: '$.placed.order.outcome', StringEquals: 'FILLED', Next: 'FilledNote' },
      {
        Variable: '$.placed.order.outcome',
        StringEquals: 'PARTIALLY_FILLED',
        Next: 'PartialFillNote',
      },
      {
        Variable: '$.placed.order.outcome',
        StringEquals: 'ALREADY_RECORDED',
        Next: 'AlreadyProcessed',
      },
    ]);
    expect(definition.States.FilledNote?.Next).toBe('RecordPurchase');
    expect(definition.States.PartialFillNote?.Next).toBe('RecordPurchase');
  });

  it('takes every final status, partial fills included, as a finished slot', () => {
    const finished = (
      definition.States.ClaimState?.Choices?.[1] as unknown as {
        Or: { StringEquals: string }[];
      }
    ).Or.map((choice) => choice.StringEquals);
    expect(finished).toEqual(['FILLED', 'FAILED', 'SKIPPED', 'PARTIALLY_FILLED']);
  });

  describe('the claim, run by the interpreter on its own', () => {
    const SLOT = {
      userId: 'u',
      planId: 'p',
      version: 1,
      scheduledFor: '2026-11-30T08:00:00Z',
      clientOrderId: 'c',
      amount: '25.00',
      currency: 'EUR',
    };

    /** ClaimSlot as written, its Next and Catch targets stubbed as terminal states. */
    async function claim(failures: readonly string[]): Promise<{ end: string; attempts: number }> {
      const machine = new StateMachine(
        {
          StartAt: 'ClaimSlot',
          States: {
            ClaimSlot: { ...definition.States.ClaimSlot, Next: 'LoadPlan' },
            LoadPlan: { Type: 'Succeed' },
            ReadClaim: { Type: 'Succeed' },
            ClaimFailed: { Type: 'Fail', Error: 'ClaimFailed' },
          },
        } as never,
        { validationOptions: { checkArn: false } },
      );
      let attempts = 0;
      const execution = machine.run(SLOT, {
        overrides: {
          taskResourceLocalHandlers: {
            ClaimSlot: () => {
              const name = failures[attempts];
              attempts += 1;
              if (name === undefined) return Promise.resolve({});
              const error = new Error(name);
              error.name = name;
              return Promise.reject(error);
            },
          },
          retryIntervalOverrides: { ClaimSlot: 0 },
        },
        context: {
          Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:express:purchase:x' },
          State: { EnteredTime: '2026-11-30T08:00:00.000Z' },
        },
      } as never);
      const events: string[] = [];
      const watch = (async () => {
        for await (const event of execution.eventLogs) {
          const entry = event as { type: string; state?: { name: string } };
          if (entry.type === 'StateEntered' && entry.state) events.push(entry.state.name);
        }
      })();
      await execution.result.catch(() => undefined);
      await watch;
      return { end: events.at(-1) ?? '', attempts };
    }

    it('goes on once a failed write succeeds on a retry, whatever the error was', async () => {
      await expect(
        claim(['DynamoDB.InternalServerError', 'DynamoDB.TransactionConflictException', 'Oops']),
      ).resolves.toEqual({ end: 'LoadPlan', attempts: 4 });
    });

    it('never retries a slot that is taken: it reads the claim at once', async () => {
      await expect(claim(['DynamoDB.ConditionalCheckFailedException'])).resolves.toEqual({
        end: 'ReadClaim',
        attempts: 1,
      });
    });

    it('gives up after its retries, so the sweeper records the slot as missed', async () => {
      await expect(claim(Array.from({ length: 10 }, () => 'Oops'))).resolves.toEqual({
        end: 'ClaimFailed',
        attempts: 4,
      });
    });
  });

  describe('a run, by the interpreter with every task stubbed', () => {
    const SLOT = {
      userId: 'u',
      planId: 'p',
      version: 1,
      scheduledFor: '2026-11-30T08:00:00Z',
      clientOrderId: 'c',
      amount: '25.00',
      currency: 'EUR',
    };
    const FILLED = {
      outcome: 'FILLED',
      amount: '25.00',
      currency: 'EUR',
      exchangeOrderId: 'x-1',
      btcAcquired: '54000',
      spent: '2500',
      fee: '15',
      net: '2485',
      averagePrice: '46000.00',
      filledAt: '2026-11-30T08:00:01.000Z',
    };
    const BUY = { action: 'BUY', code: null, reason: null, amount: '25.00', currency: 'EUR' };
    const PAUSED = {
      action: 'SKIP',
      code: 'PLAN_PAUSED',
      reason: 'The plan is paused.',
      amount: '25.00',
      currency: 'EUR',
    };

    /** What a stubbed task does on each call: answer a value or throw an error of that name. */
    type Step = { ok: unknown } | { error: string; cause?: string };
    const fail = (name: string, cause?: string): Step =>
      cause === undefined ? { error: name } : { error: name, cause };

    /**
     * Runs the whole definition; each Task answers its scripted steps in turn (the last one
     * repeats). Answers the states entered and each task's payloads.
     */
    async function run(
      script: Partial<Record<string, readonly Step[]>>,
      input: Record<string, unknown> = SLOT,
      machineDefinition: Definition = definition,
    ): Promise<{ path: string[]; calls: Record<string, unknown[]>; end: string }> {
      const calls: Record<string, unknown[]> = {};
      const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const [name, state] of Object.entries(machineDefinition.States)) {
        if (state.Type !== 'Task') continue;
        handlers[name] = (payload) => {
          const made = (calls[name] ??= []);
          made.push(payload);
          const steps = script[name] ?? [{ ok: {} }];
          const step = steps[Math.min(made.length - 1, steps.length - 1)] as Step;
          if ('error' in step) {
            const error = new Error(step.cause ?? step.error);
            error.name = step.error;
            return Promise.reject(error);
          }
          return Promise.resolve(step.ok);
        };
      }
      const machine = new StateMachine(machineDefinition as never, {
        validationOptions: { checkArn: false },
      });
      const retries = Object.fromEntries(
        Object.entries(machineDefinition.States)
          .filter(([, state]) => state.Retry !== undefined)
          .map(([name]) => [name, 0]),
      );
      const execution = machine.run(
        input as never,
        {
          overrides: {
            taskResourceLocalHandlers: handlers,
            retryIntervalOverrides: retries,
            waitTimeOverrides: { InRunBackoff: 0, RecordConflictBackoff: 0 },
          },
          context: {
            Execution: { Id: 'arn:aws:states:eu-central-1:123456789012:express:purchase:x' },
            State: { EnteredTime: '2026-11-30T08:00:00.000Z' },
          },
        } as never,
      );
      const path: string[] = [];
      const watch = (async () => {
        for await (const event of execution.eventLogs) {
          const entry = event as { type: string; state?: { name: string } };
          if (entry.type === 'StateEntered' && entry.state) path.push(entry.state.name);
        }
      })();
      await execution.result.catch(() => undefined);
      await watch;
      return { path, calls, end: path.at(-1) ?? '' };
    }

    const lambda = (payload: unknown): Step => ({ ok: { Payload: payload } });
    const taken: Step = fail('DynamoDB.ConditionalCheckFailedException');
    const claimed = (status: string): Step => ({
      ok: { Item: { status: { S: status }, amount: { S: '25.00' }, currency: { S: 'EUR' } } },
    });
    const plan: Step = { ok: { Item: { status: { S: 'PAUSED' } } } };

    const member = (status: string): Step => ({
      ok: {
        Item: {
          status: { S: status },
          amount: { S: '25.00' },
          currency: { S: 'EUR' },
          blockId: { S: 'EUR#2026-11-30T08:00:00.000Z' },
        },
      },
    });

    it('places the slot’s own order after a BUY in per-slot mode, exactly as before blocks', async () => {
      const { path, calls } = await run({ Decide: [lambda(BUY)], PlaceOrder: [lambda(FILLED)] });
      expect(path).toEqual([
        'ClaimSlot',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'PlaceOrder',
        'OrderOutcome',
        'FilledNote',
        'RecordPurchase',
        'PublishSucceeded',
        'Purchased',
      ]);
      expect(calls.JoinBlock).toBeUndefined();
    });

    it('joins the slot to its block after a BUY in aggregated mode, and ends there: no order, no record', async () => {
      const { path, calls } = await run(
        {
          Decide: [lambda({ ...BUY, amount: '24.50' })],
          JoinBlock: [lambda({ blockId: 'EUR#2026-11-30T08:00:00.000Z' })],
        },
        SLOT,
        aggregated,
      );
      expect(path).toEqual([
        'ClaimSlot',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'JoinBlock',
        'JoinedBlock',
      ]);
      expect(calls.JoinBlock).toEqual([
        {
          FunctionName: VALUES.JoinBlockFunctionArn,
          Payload: {
            userId: 'u',
            planId: 'p',
            scheduledFor: SLOT.scheduledFor,
            amount: '24.50',
            currency: 'EUR',
            version: 1,
          },
        },
      ]);
      expect(Object.keys(calls).sort()).toEqual(['ClaimSlot', 'Decide', 'JoinBlock', 'LoadPlan']);
    });

    it('skips or refuses in aggregated mode exactly as per slot: only a BUY joins a block', async () => {
      const { path, calls } = await run({ Decide: [lambda(PAUSED)] }, SLOT, aggregated);
      expect(path.slice(-3)).toEqual(['RecordSkipped', 'PublishSkipped', 'Skipped']);
      expect(calls.JoinBlock).toBeUndefined();
    });

    it('defers a slot whose join failed to the retry queue', async () => {
      const { path } = await run(
        {
          Decide: [lambda(BUY)],
          JoinBlock: [fail('ProvisionedThroughputExceededException')],
          ScheduleRetry: [{ ok: { Attributes: { attempts: { N: '1' } } } }],
        },
        SLOT,
        aggregated,
      );
      expect(path.slice(-4)).toEqual([
        'JoinBlock',
        'ScheduleRetry',
        'DeferRetry',
        'RetryScheduled',
      ]);
    });

    it('ends a duplicate delivery of a block member at InBlock, whatever its status, in either mode', async () => {
      for (const machine of [definition, aggregated]) {
        for (const status of ['PENDING', 'SUBMITTED', 'FILLED']) {
          const { path, calls } = await run(
            { ClaimSlot: [taken], ReadClaim: [member(status)] },
            SLOT,
            machine,
          );
          expect(path).toEqual(['ClaimSlot', 'ReadClaim', 'ClaimState', 'InBlock']);
          expect(Object.keys(calls).sort()).toEqual(['ClaimSlot', 'ReadClaim']);
        }
      }
    });

    it('reads only what the claim’s branches need, the block a member is in included', async () => {
      const { calls } = await run({ ClaimSlot: [taken], ReadClaim: [member('PENDING')] });
      expect(calls.ReadClaim).toEqual([
        {
          TableName: 'e',
          Key: { ownerPlan: { S: 'u#p' }, scheduledFor: { S: SLOT.scheduledFor } },
          ConsistentRead: true,
          ProjectionExpression: '#status, #amount, #currency, #blockId',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#amount': 'amount',
            '#currency': 'currency',
            '#blockId': 'blockId',
          },
        },
      ]);
    });

    it('stops a run the order step finds in a block (a run of the other mode): nothing is deferred or recorded', async () => {
      const { path } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [fail('RunInBlockError')],
      });
      expect(path.slice(-2)).toEqual(['PlaceOrder', 'InBlock']);
    });

    it('reads back a SUBMITTED run and, finding no order, decides again: a paused plan ends SKIPPED', async () => {
      const { path, calls, end } = await run({
        ClaimSlot: [taken],
        ReadClaim: [claimed('SUBMITTED')],
        ReadBack: [fail('OrderNotPlacedError')],
        LoadPlan: [plan],
        Decide: [lambda(PAUSED)],
      });
      expect(path).toEqual([
        'ClaimSlot',
        'ReadClaim',
        'ClaimState',
        'ResumeOrder',
        'ReadBack',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'RecordSkipped',
        'PublishSkipped',
        'Skipped',
      ]);
      expect(calls.PlaceOrder).toBeUndefined();
      expect(calls.ReadBack).toEqual([
        {
          FunctionName: VALUES.PlaceOrderFunctionArn,
          Payload: {
            planId: 'p',
            userId: 'u',
            scheduledFor: SLOT.scheduledFor,
            clientOrderId: 'c',
            amount: '25.00',
            currency: 'EUR',
            readBack: true,
          },
        },
      ]);
      expect(end).toBe('Skipped');
    });

    it('finishes and records an order the read-back finds, without deciding again', async () => {
      const { path, calls } = await run({
        ClaimSlot: [taken],
        ReadClaim: [claimed('SUBMITTED')],
        ReadBack: [lambda(FILLED)],
      });
      expect(path).toEqual([
        'ClaimSlot',
        'ReadClaim',
        'ClaimState',
        'ResumeOrder',
        'ReadBack',
        'OrderOutcome',
        'FilledNote',
        'RecordPurchase',
        'PublishSucceeded',
        'Purchased',
      ]);
      expect(calls.Decide).toBeUndefined();
      expect(calls.PlaceOrder).toBeUndefined();
    });

    it('decides again after the order step finds an earlier attempt sent nothing', async () => {
      const { path, calls } = await run({
        LoadPlan: [{ ok: {} }, plan],
        Decide: [lambda(BUY), lambda(PAUSED)],
        PlaceOrder: [fail('OrderNotPlacedError')],
      });
      expect(path).toEqual([
        'ClaimSlot',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'PlaceOrder',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'RecordSkipped',
        'PublishSkipped',
        'Skipped',
      ]);
      expect(calls.PlaceOrder).toHaveLength(1);
    });

    it('retries a transient failure through the read-back and a new decision, never on the old one', async () => {
      const { path, calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [fail('ExchangeUnavailableError'), lambda(FILLED)],
        ReadBack: [fail('OrderNotPlacedError')],
      });
      expect(path).toEqual([
        'ClaimSlot',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'PlaceOrder',
        'InRunRetry',
        'FirstInRunAttempt',
        'InRunBackoff',
        'ReadBack',
        'LoadPlan',
        'Decide',
        'BuyOrSkip',
        'ExecutionMode',
        'PerSlotOrBlock',
        'PlaceOrder',
        'OrderOutcome',
        'FilledNote',
        'RecordPurchase',
        'PublishSucceeded',
        'Purchased',
      ]);
      expect(calls.Decide).toHaveLength(2);
    });

    it('after an unknown outcome, records the order the read-back finds', async () => {
      const { path, calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [fail('ExchangeUnknownOutcomeError')],
        ReadBack: [lambda(FILLED)],
      });
      expect(path.slice(6)).toEqual([
        'PlaceOrder',
        'InRunRetry',
        'FirstInRunAttempt',
        'InRunBackoff',
        'ReadBack',
        'OrderOutcome',
        'FilledNote',
        'RecordPurchase',
        'PublishSucceeded',
        'Purchased',
      ]);
      expect(calls.Decide).toHaveLength(1);
    });

    it('sends the slot to the retry queue after three rounds of in-run retries', async () => {
      const { path, calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [fail('ExchangeUnavailableError')],
        ReadBack: [fail('OrderNotPlacedError')],
        ScheduleRetry: [{ ok: { Attributes: { attempts: { N: '1' } } } }],
      });
      expect(path.filter((state) => state === 'InRunBackoff')).toHaveLength(3);
      expect(calls.PlaceOrder).toHaveLength(4);
      expect(calls.Decide).toHaveLength(4);
      expect(path.slice(-4)).toEqual([
        'InRunRetry',
        'ScheduleRetry',
        'DeferRetry',
        'RetryScheduled',
      ]);
    });

    it('waits 1 to 2, then 1 to 4, then 1 to 8 seconds before each round', async () => {
      const machine = new StateMachine(
        {
          StartAt: 'NextInRunAttempt',
          States: {
            NextInRunAttempt: { ...definition.States.NextInRunAttempt, Next: 'Done' },
            Done: { Type: 'Succeed' },
          },
        } as never,
        { validationOptions: { checkArn: false } },
      );
      const waits = async (attempt: number) => {
        const seen = new Set<number>();
        for (let trial = 0; trial < 40; trial += 1) {
          // aws-local-stepfunctions seeds States.MathRandom with Date.now(): runs within one
          // millisecond draw the same number, so each trial waits for the next millisecond.
          const started = Date.now();
          while (Date.now() === started) await new Promise((resolve) => setTimeout(resolve, 1));
          const output = (await machine.run({ inRun: { attempt, waitSeconds: 1 } } as never)
            .result) as { inRun: { attempt: number; waitSeconds: number } };
          expect(output.inRun.attempt).toBe(attempt + 1);
          seen.add(output.inRun.waitSeconds);
        }
        return [...seen].sort((a, b) => a - b);
      };
      const first = definition.States.FirstInRunAttempt?.Parameters;
      expect(first).toEqual({ attempt: 1, 'waitSeconds.$': 'States.MathRandom(1, 2)' });
      const second = await waits(1);
      const third = await waits(2);
      expect(second.every((wait) => Number.isInteger(wait) && wait >= 1 && wait <= 4)).toBe(true);
      expect(third.every((wait) => Number.isInteger(wait) && wait >= 1 && wait <= 8)).toBe(true);
      expect(Math.max(...third)).toBeGreaterThan(4);
    });

    it('goes to the retry queue at once while the circuit is open', async () => {
      const { path } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [fail('ExchangeCircuitOpenError')],
        ScheduleRetry: [{ ok: { Attributes: { attempts: { N: '1' } } } }],
      });
      expect(path.slice(6)).toEqual([
        'PlaceOrder',
        'ScheduleRetry',
        'DeferRetry',
        'RetryScheduled',
      ]);
    });

    it('stops when another delivery already recorded the slot', async () => {
      const { path } = await run({
        ClaimSlot: [taken],
        ReadClaim: [claimed('SUBMITTED')],
        ReadBack: [lambda({ outcome: 'ALREADY_RECORDED', code: 'REJECTED', reason: 'r' })],
      });
      expect(path.slice(-2)).toEqual(['OrderOutcome', 'AlreadyProcessed']);
    });

    it('records a late purchase in the totals without moving the last run back, then ledger only', async () => {
      const canceled = fail('DynamoDb.TransactionCanceledException');
      const late = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [lambda(FILLED)],
        RecordPurchase: [canceled],
      });
      expect(late.path.slice(-5)).toEqual([
        'RecordPurchase',
        'RecordPurchaseCanceled',
        'RecordPurchaseTotalsOnly',
        'PublishSucceeded',
        'Purchased',
      ]);
      const gone = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [lambda(FILLED)],
        RecordPurchase: [canceled],
        RecordPurchaseTotalsOnly: [canceled],
      });
      expect(gone.path.slice(-5)).toEqual([
        'RecordPurchaseTotalsOnly',
        'RecordPurchaseTotalsOnlyCanceled',
        'RecordPurchaseLedgerOnly',
        'PublishSucceeded',
        'Purchased',
      ]);
    });

    it('stops without publishing when another delivery recorded the purchase first', async () => {
      const canceled = fail(
        'DynamoDb.TransactionCanceledException',
        'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
      );
      const { path, calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [lambda(FILLED)],
        RecordPurchase: [canceled],
        RecordPurchaseTotalsOnly: [canceled],
        RecordPurchaseLedgerOnly: [canceled],
      });
      expect(path.slice(-3)).toEqual([
        'RecordPurchaseLedgerOnly',
        'RecordPurchaseLedgerOnlyCanceled',
        'AlreadyProcessed',
      ]);
      expect(calls.PublishSucceeded).toBeUndefined();
    });

    it('records again from the start when the transaction met another on the shared holdings item', async () => {
      const conflict = fail(
        'DynamoDb.TransactionCanceledException',
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, TransactionConflict]',
      );
      const { path, calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [lambda(FILLED)],
        RecordPurchase: [conflict, { ok: {} }],
        RecordPurchaseTotalsOnly: [conflict],
      });
      expect(path.slice(-6)).toEqual([
        'RecordPurchase',
        'RecordPurchaseCanceled',
        'RecordConflictBackoff',
        'RecordPurchase',
        'PublishSucceeded',
        'Purchased',
      ]);
      expect(calls.RecordPurchase).toHaveLength(2);
      expect(calls.RecordPurchaseTotalsOnly).toBeUndefined();
    });

    it('posts the purchase to the holdings in the same transaction as the ledger entry, in every recording state', async () => {
      const canceled = fail('DynamoDb.TransactionCanceledException');
      const { calls } = await run({
        Decide: [lambda(BUY)],
        PlaceOrder: [lambda(FILLED)],
        RecordPurchase: [canceled],
        RecordPurchaseTotalsOnly: [canceled],
      });
      const posting = {
        Update: {
          TableName: 'e',
          Key: { ownerPlan: { S: 'holdings#u' }, scheduledFor: { S: 'EUR' } },
          UpdateExpression: HOLDINGS_UPDATE_EXPRESSION,
          ExpressionAttributeValues: {
            ':sats': { N: '54000' },
            ':spent': { N: '2500' },
            ':fee': { N: '15' },
            ':cost': { N: '2485' },
            ':one': { N: '1' },
            ':currency': { S: 'EUR' },
            ':user': { S: 'u' },
            ':now': { S: '2026-11-30T08:00:00.000Z' },
          },
        },
      };
      const transactions = [
        'RecordPurchase',
        'RecordPurchaseTotalsOnly',
        'RecordPurchaseLedgerOnly',
      ].map((name) => (calls[name]?.[0] as { TransactItems: unknown[] }).TransactItems);
      expect(transactions.map((items) => items.length)).toEqual([3, 3, 2]);
      expect(transactions.map((items) => items.at(-1))).toEqual([posting, posting, posting]);
    });

    it('publishes every outcome with the detail the bus event catalog describes', async () => {
      const partial = { ...FILLED, outcome: 'PARTIALLY_FILLED', code: 'PARTIAL_FILL', reason: 'r' };
      const rejected = { outcome: 'REJECTED', code: 'INSUFFICIENT_FUNDS', reason: 'r' };
      const refused = { ...PAUSED, action: 'FAIL', code: 'AMOUNT_ABOVE_LIMIT' };
      const runs = [
        await run({ Decide: [lambda(BUY)], PlaceOrder: [lambda(FILLED)] }),
        await run({ Decide: [lambda(BUY)], PlaceOrder: [lambda(partial)] }),
        await run({ Decide: [lambda(BUY)], PlaceOrder: [lambda(rejected)] }),
        await run({ Decide: [lambda(refused)] }),
        await run({ Decide: [lambda(PAUSED)] }),
      ];
      const entries = runs.flatMap(({ calls }) =>
        Object.entries(calls)
          .filter(([name]) => name.startsWith('Publish'))
          .flatMap(([, payloads]) => payloads as { Entries: Record<string, unknown>[] }[])
          .flatMap((payload) => payload.Entries),
      );
      expect(
        entries.map((entry) => [
          entry.DetailType,
          detailProblems(entry.Source as string, entry.DetailType as string, entry.Detail),
        ]),
      ).toEqual([
        ['PurchaseSucceeded', []],
        ['PurchaseSucceeded', []],
        ['PurchaseFailed', []],
        ['PurchaseFailed', []],
        ['PurchaseSkipped', []],
      ]);
    });
  });
});
