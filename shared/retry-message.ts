/**
 * The message on the retry queue: a slot to run again. The purchase workflow's `DeferRetry`
 * state and the completer write it; the retry dispatcher reads it and starts the workflow with it
 * as input (the fields the scheduler's input has, plus the attempt).
 */
export interface RetryMessage {
  readonly planId: string;
  readonly userId: string;
  readonly version: number;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  /** What made the run wait (an error name, or "completer"). */
  readonly error?: string;
  /**
   * Not before this instant (ISO): set by the dispatcher when it puts a message back to wait out
   * the rest of its backoff, so the wait does not start again from the new message's send time.
   */
  readonly notBefore?: string;
}

/** Thrown for a message that is not a retry message (it goes to the dead-letter queue). */
export class InvalidRetryMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRetryMessageError';
  }
}

const STRINGS = [
  'planId',
  'userId',
  'scheduledFor',
  'clientOrderId',
  'amount',
  'currency',
] as const;

export function parseRetryMessage(body: string): RetryMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidRetryMessageError('the body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRetryMessageError('the body is not a JSON object');
  }
  const message = value as Record<string, unknown>;
  for (const field of STRINGS) {
    if (typeof message[field] !== 'string' || message[field] === '') {
      throw new InvalidRetryMessageError(`${field} must be a non-empty string`);
    }
  }
  for (const field of ['version', 'attempt'] as const) {
    if (!Number.isInteger(message[field]) || (message[field] as number) < 0) {
      throw new InvalidRetryMessageError(`${field} must be a whole number`);
    }
  }
  if (Number.isNaN(Date.parse(message.scheduledFor as string))) {
    throw new InvalidRetryMessageError('scheduledFor must be an ISO instant');
  }
  if (
    message.notBefore !== undefined &&
    (typeof message.notBefore !== 'string' || Number.isNaN(Date.parse(message.notBefore)))
  ) {
    throw new InvalidRetryMessageError('notBefore must be an ISO instant');
  }
  return {
    planId: message.planId as string,
    userId: message.userId as string,
    version: message.version as number,
    scheduledFor: message.scheduledFor as string,
    clientOrderId: message.clientOrderId as string,
    amount: message.amount as string,
    currency: message.currency as string,
    attempt: message.attempt as number,
    ...(typeof message.error === 'string' ? { error: message.error } : {}),
    ...(typeof message.notBefore === 'string' ? { notBefore: message.notBefore } : {}),
  };
}
