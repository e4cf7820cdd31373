/**
 * The retry dispatcher's timing: a slot waits out its backoff, counted from when it was queued,
 * and waits for an open circuit; and the retry message is checked before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { CLOSED, type BreakerState } from '#domain/circuit-breaker.ts';
import { retryDelayMs } from '#domain/retry-backoff.ts';
import { InvalidRetryMessageError, parseRetryMessage } from '#shared/retry-message.ts';

process.env.PURCHASE_STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:p';
process.env.RETRY_QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/retries';
process.env.EXCHANGE = 'paper';
process.env.EXCHANGE_STATE_TABLE = 'exchange-state';
process.env.AWS_REGION = 'eu-central-1';
const { nextDispatch } = await import('../../../functions/retry-dispatcher/handler.ts');

const SENT = Date.parse('2027-01-04T09:00:00Z');
const KEY = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';

const waitFor = (...args: Parameters<typeof nextDispatch>) => nextDispatch(...args).waitMs;

describe('nextDispatch', () => {
  it('starts a first retry whose backoff has passed since it was queued', () => {
    const due = SENT + retryDelayMs(1, KEY);
    expect(waitFor({ sentAt: SENT, attempt: 1, clientOrderId: KEY }, CLOSED, due)).toBe(0);
  });

  it('sends a later retry back for the rest of its backoff', () => {
    const now = SENT + 60_000;
    expect(waitFor({ sentAt: SENT, attempt: 5, clientOrderId: KEY }, CLOSED, now)).toBe(
      SENT + retryDelayMs(5, KEY) - now,
    );
  });

  it('starts at once what is due within a second', () => {
    const now = SENT + retryDelayMs(3, KEY) - 900;
    expect(waitFor({ sentAt: SENT, attempt: 3, clientOrderId: KEY }, CLOSED, now)).toBe(0);
  });

  it('waits until the time a re-queued message remembers, not its new send time', () => {
    const notBefore = '2027-01-04T09:10:00.000Z';
    const now = SENT + 60_000;
    expect(waitFor({ sentAt: now, attempt: 1, clientOrderId: KEY, notBefore }, CLOSED, now)).toBe(
      Date.parse(notBefore) - now,
    );
  });

  it('holds a due slot while the circuit is open, as an attempt that failed fast', () => {
    const now = SENT + 20 * 60_000;
    const open: BreakerState = { ...CLOSED, state: 'OPEN', openUntil: now + 15_000, probeUntil: 0 };
    expect(nextDispatch({ sentAt: SENT, attempt: 1, clientOrderId: KEY }, open, now)).toEqual({
      waitMs: retryDelayMs(2, KEY),
      attempt: 2,
    });
  });

  it('holds it at least until the circuit may close, spread by slot', () => {
    const now = SENT + 20 * 60_000;
    const open: BreakerState = {
      ...CLOSED,
      state: 'OPEN',
      openUntil: now + 10 * 60_000,
      probeUntil: 0,
    };
    const { waitMs, attempt } = nextDispatch(
      { sentAt: SENT, attempt: 1, clientOrderId: KEY },
      open,
      now,
    );
    expect(attempt).toBe(2);
    expect(waitMs).toBeGreaterThanOrEqual(10 * 60_000);
    expect(waitMs).toBeLessThan(10 * 60_000 + 5_000);
  });

  it('holds a due slot while another caller holds the probe lease', () => {
    const now = SENT + 20 * 60_000;
    const probing: BreakerState = {
      ...CLOSED,
      state: 'OPEN',
      openUntil: now - 5_000,
      probeUntil: now + 15_000,
    };
    expect(nextDispatch({ sentAt: SENT, attempt: 4, clientOrderId: KEY }, probing, now)).toEqual({
      waitMs: retryDelayMs(5, KEY),
      attempt: 5,
    });
  });

  it('leaves a slot that is not due yet alone, whatever the circuit', () => {
    const now = SENT + 10_000;
    const open: BreakerState = { ...CLOSED, state: 'OPEN', openUntil: now + 15_000, probeUntil: 0 };
    expect(nextDispatch({ sentAt: SENT, attempt: 3, clientOrderId: KEY }, open, now)).toEqual({
      waitMs: SENT + retryDelayMs(3, KEY) - now,
      attempt: 3,
    });
  });

  it('starts a due slot once the circuit may probe again', () => {
    const now = SENT + 20 * 60_000;
    const probing: BreakerState = { ...CLOSED, state: 'OPEN', openUntil: now - 1, probeUntil: 0 };
    expect(waitFor({ sentAt: SENT, attempt: 1, clientOrderId: KEY }, probing, now)).toBe(0);
  });
});

const MESSAGE = {
  planId: '01JABCDEF',
  userId: 'u-1',
  version: 3,
  scheduledFor: '2027-01-04T08:00:00Z',
  clientOrderId: KEY,
  amount: '25.00',
  currency: 'EUR',
  attempt: 2,
  error: 'ExchangeUnavailableError',
};

describe('parseRetryMessage', () => {
  it('reads a retry message', () => {
    expect(parseRetryMessage(JSON.stringify(MESSAGE))).toEqual(MESSAGE);
  });

  it.each([
    ['not json', 'the body is not JSON'],
    ['[1]', 'the body is not a JSON object'],
    [JSON.stringify({ ...MESSAGE, planId: '' }), 'planId must be a non-empty string'],
    [JSON.stringify({ ...MESSAGE, attempt: 1.5 }), 'attempt must be a whole number'],
    [JSON.stringify({ ...MESSAGE, version: '3' }), 'version must be a whole number'],
    [JSON.stringify({ ...MESSAGE, scheduledFor: 'monday' }), 'scheduledFor must be an ISO instant'],
    [JSON.stringify({ ...MESSAGE, notBefore: 'later' }), 'notBefore must be an ISO instant'],
  ])('refuses %s', (body, message) => {
    expect(() => parseRetryMessage(body)).toThrow(new InvalidRetryMessageError(message));
  });
});
