/**
 * The verification code message: the only message that goes to a contact point before its owner
 * proved it. Whoever set the address or number may not be its owner, so the message carries the
 * code, the product's name and how long the code is valid, and nothing else: no link, no name, no
 * plan or amount, nothing an attacker could put in front of someone else.
 */
import { CODE_TTL_SECONDS } from './contact-verification.ts';

/** The code message in the forms it is sent in (`functions/lib/delivery.ts` Deliverable). */
export interface CodeMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** GSM-7 only and under 160 characters: one SMS part. */
  readonly sms: string;
}

/** Thrown when asked to send anything but six digits: a bug, never user input. */
export class NotACodeError extends Error {
  constructor() {
    super('a verification code is six digits');
    this.name = 'NotACodeError';
  }
}

/** The message that carries `code` (six digits). */
export function codeMessage(code: string): CodeMessage {
  if (!/^\d{6}$/.test(code)) throw new NotACodeError();
  const line = `Your Savings Plan Buy code is ${code}. It is valid for ${CODE_TTL_SECONDS / 60} minutes.`;
  return {
    subject: 'Your Savings Plan Buy code',
    text: `${line}\n`,
    html: `<p>Your Savings Plan Buy code is <strong>${code}</strong>.</p><p>It is valid for ${CODE_TTL_SECONDS / 60} minutes.</p>`,
    sms: line,
  };
}
