/**
 * The contacts function's operations over an in-memory preferences item, with a fixed clock and
 * fixed randomness: which contact gets a code, what is stored (only the hash), what each limit
 * and each provider answer leaves behind, and what a guess comes to.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { codeMessage, type CodeMessage } from '#domain/contact-messages.ts';
import { hashCode, type Randomness } from '#domain/contact-verification.ts';
import type { ContactState } from '#shared/contacts.ts';
import type { ContactChannel } from '#shared/notification-settings.ts';
import {
  InvalidContactsRequestError,
  handleContacts,
  parseRequest,
  type ContactChanges,
  type ContactEvent,
  type ContactsDependencies,
  type ContactsRequest,
  type PreferencesItem,
} from '../../../functions/contacts/contacts.ts';
import type { Allowance, AllowanceRefusal } from '../../../functions/lib/send-limits.ts';
import { smsParts } from '#domain/sms-parts.ts';

const USER = 'user-ada';
const PHONE = '+4915170000001';
const EMAIL = 'ada@example.com';
const SIGN_IN = 'ada.signin@example.com';
const SALT = '07'.repeat(16);
const T0 = Date.parse('2027-01-04T09:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** An error as the SDK throws it when the provider answered `status`. */
function providerError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

interface Sent {
  channel: ContactChannel;
  to: string;
  message: CodeMessage;
  tags: Readonly<Record<string, string>>;
}

/** The fakes around the operations, and what they saw. */
class World {
  item: PreferencesItem | null = null;
  minutes = 0;
  /** The codes `random.integer` answers, in turn. */
  codes = [123456, 234567, 345678, 456789, 567890];
  refusal: AllowanceRefusal | null = null;
  deliveryError: Error | null = null;
  smsAvailable = true;
  /** Before each write: runs (and is removed) to change the item in between, as a race would. */
  races: (() => void)[] = [];
  readonly allowances: Allowance[] = [];
  givenBack = 0;
  readonly sent: Sent[] = [];
  readonly events: ContactEvent[] = [];
  readonly writes: { expected: number | null; changes: ContactChanges }[] = [];

  deps(): ContactsDependencies {
    const random: Randomness = {
      integer: () => this.codes.shift() ?? 0,
      bytes: (size) => Buffer.alloc(size, 7),
    };
    return {
      store: {
        read: async () => Promise.resolve(this.item === null ? null : structuredClone(this.item)),
        write: async (userId, expected, changes) => {
          this.races.shift()?.();
          this.writes.push({ expected, changes });
          const current = this.item;
          if ((current?.version ?? null) !== expected) return null;
          const next = Object.fromEntries(
            Object.entries({
              ...(current ?? { userId, sk: '#preferences' }),
              ...changes,
              version: (expected ?? 0) + 1,
            }).filter(([, value]) => value !== null),
          );
          this.item = next as PreferencesItem;
          return Promise.resolve(structuredClone(this.item));
        },
      },
      takeAllowance: async (allowance) => {
        this.allowances.push(allowance);
        if (this.refusal !== null) return { allowed: false, reason: this.refusal };
        return {
          allowed: true,
          giveBack: async () => {
            this.givenBack += 1;
            return Promise.resolve();
          },
        };
      },
      deliver: async (channel, to, message, tags) => {
        if (this.deliveryError !== null) throw this.deliveryError;
        this.sent.push({ channel, to, message, tags });
        return Promise.resolve('message-1');
      },
      smsAvailable: this.smsAvailable,
      now: () => new Date(T0 + this.minutes * 60_000),
      random,
      observe: (event) => this.events.push(event),
    };
  }

  run(
    request: Omit<ContactsRequest, 'userId' | 'signInEmail' | 'signInEmailVerified'> & {
      signInEmail?: string | null;
      signInEmailVerified?: boolean;
    },
  ) {
    return handleContacts(this.deps(), {
      userId: USER,
      signInEmail: SIGN_IN,
      signInEmailVerified: true,
      ...request,
    });
  }

  /** The item, which the test set up. */
  current(): PreferencesItem {
    if (this.item === null) throw new Error('no preferences item');
    return this.item;
  }

  state(channel: ContactChannel): ContactState | undefined {
    return this.item?.[channel === 'EMAIL' ? 'emailContact' : 'phoneContact'];
  }
}

/** A pending contact for `destination` with no code yet, as the resolver leaves it. */
function pending(destination: string, codesSentAt: string[] = []): ContactState {
  return { destination, status: 'PENDING', since: iso(0), codesSentAt };
}

/** The stored code for `code` sent to `destination` at minute `minutes`. */
function storedCode(code: string, channel: ContactChannel, destination: string, minutes = 0) {
  return {
    hash: hashCode(code, SALT, { userId: USER, channel, destination }),
    salt: SALT,
    expiresAt: iso(minutes + 10),
    attempts: 0,
  };
}

let world: World;

beforeEach(() => {
  world = new World();
  world.item = {
    userId: USER,
    sk: '#preferences',
    phone: PHONE,
    rules: [],
    version: 3,
    phoneContact: pending(PHONE),
  };
});

describe('issueCodes', () => {
  it('sends a code to a pending phone and stores only its hash, bound to the number', async () => {
    const answer = await world.run({ operation: 'issueCodes' });

    expect(world.sent).toEqual([
      {
        channel: 'SMS',
        to: PHONE,
        message: codeMessage('123456'),
        tags: { event: 'CONTACT_VERIFICATION', userId: USER },
      },
    ]);
    expect(world.allowances).toEqual([
      {
        userId: USER,
        channel: 'SMS',
        destination: PHONE,
        code: true,
        smsText: 'Your Savings Plan Buy code is 123456. It is valid for 10 minutes.',
      },
    ]);
    expect(smsParts(codeMessage('123456').sms)).toBe(1);
    const phoneContact: ContactState = {
      destination: PHONE,
      status: 'PENDING',
      since: iso(0),
      code: storedCode('123456', 'SMS', PHONE),
      codesSentAt: [iso(0)],
    };
    expect(answer).toEqual({ item: { ...world.item, phoneContact, version: 4 } });
    expect(world.writes).toEqual([{ expected: 3, changes: { phoneContact } }]);
    expect(JSON.stringify(world.item)).not.toContain('123456');
    expect(world.events).toEqual([{ metric: 'CodesSent', channel: 'SMS' }]);
  });

  it('sends to the stored email, or to the sign-in email while none is stored', async () => {
    world.item = { userId: USER, sk: '#preferences', rules: [], version: 1 };
    world.item = { ...world.item, emailContact: pending(SIGN_IN) };
    await world.run({ operation: 'issueCodes', signInEmailVerified: false });
    expect(world.sent.map((sent) => [sent.channel, sent.to, sent.message.subject])).toEqual([
      ['EMAIL', SIGN_IN, 'Your Savings Plan Buy code'],
    ]);
  });

  it('sends nothing to a contact with a live code, a verified one, or a state about an earlier number', async () => {
    const live: ContactState = { ...pending(PHONE), code: storedCode('111111', 'SMS', PHONE) };
    const verified: ContactState = {
      destination: EMAIL,
      status: 'VERIFIED',
      since: iso(0),
      verifiedAt: iso(0),
      codesSentAt: [],
    };
    for (const [phoneContact, minutes] of [
      [live, 9],
      [pending('+4915100000000'), 0],
    ] as const) {
      world.item = { ...world.current(), email: EMAIL, emailContact: verified, phoneContact };
      world.minutes = minutes;
      const answer = await world.run({ operation: 'issueCodes' });
      expect(answer).toEqual({ item: world.item });
    }
    expect(world.sent).toEqual([]);
    expect(world.writes).toEqual([]);
  });

  it('sends a new code once the last one expired or was guessed wrong five times', async () => {
    world.item = {
      ...world.current(),
      phoneContact: { ...pending(PHONE, [iso(0)]), code: storedCode('111111', 'SMS', PHONE) },
    };
    world.minutes = 10;
    await world.run({ operation: 'issueCodes' });
    expect(world.sent.map((sent) => sent.message.sms)).toEqual([codeMessage('123456').sms]);
    expect(world.state('SMS')?.codesSentAt).toEqual([iso(0), iso(10)]);
  });

  it('leaves the contact pending without a code when a limit refuses, and does not fail', async () => {
    for (const reason of [
      'DAILY_LIMIT',
      'CODE_LIMIT',
      'SMS_BUDGET',
      'COUNTRY_NOT_ALLOWED',
    ] as const) {
      world.refusal = reason;
      expect(await world.run({ operation: 'issueCodes' })).toEqual({ item: world.item });
    }
    expect(world.state('SMS')).toEqual(pending(PHONE));
    expect(world.sent).toEqual([]);
    expect(world.events).toEqual([
      { metric: 'CodesRefused', channel: 'SMS', reason: 'DAILY_LIMIT' },
      { metric: 'CodesRefused', channel: 'SMS', reason: 'CODE_LIMIT' },
      { metric: 'CodesRefused', channel: 'SMS', reason: 'SMS_BUDGET' },
      { metric: 'CodesRefused', channel: 'SMS', reason: 'COUNTRY_NOT_ALLOWED' },
    ]);
  });

  it('leaves a pending phone without a code when SMS is not configured on the stack', async () => {
    world.smsAvailable = false;
    expect(await world.run({ operation: 'issueCodes' })).toEqual({ item: world.item });
    expect(world.allowances).toEqual([]);
    expect(world.events).toEqual([
      { metric: 'CodesRefused', channel: 'SMS', reason: 'SMS_UNAVAILABLE' },
    ]);
  });

  it('gives the allowance back and leaves no live code when the provider is unavailable', async () => {
    world.deliveryError = providerError('ThrottlingException', 429);
    const answer = await world.run({ operation: 'issueCodes' });
    expect(answer).toEqual({
      error: {
        type: 'ServiceUnavailableError',
        message:
          'Your preferences are saved, but the code could not be sent just now; ask for a new one in a few minutes.',
      },
    });
    expect(world.givenBack).toBe(1);
    // Claimed, then withdrawn: the contact is as it was, two versions on.
    expect(world.item).toEqual({
      userId: USER,
      sk: '#preferences',
      phone: PHONE,
      rules: [],
      version: 5,
      phoneContact: pending(PHONE),
    });
    expect(world.events).toEqual([
      { metric: 'CodesFailed', channel: 'SMS', reason: 'PROVIDER_UNAVAILABLE' },
    ]);
  });

  it('keeps the code when the provider never answered: it may have arrived', async () => {
    world.deliveryError = new Error('socket hang up');
    const answer = await world.run({ operation: 'issueCodes' });
    expect(answer).toEqual({ item: world.item });
    expect(world.state('SMS')?.code).toEqual(storedCode('123456', 'SMS', PHONE));
    expect(world.givenBack).toBe(0);
    expect(world.events).toEqual([{ metric: 'CodesUnconfirmed', channel: 'SMS' }]);
  });
});

describe('resendVerification', () => {
  it('replaces the code: the old one stops working, the new one verifies', async () => {
    await world.run({ operation: 'resendVerification', channel: 'SMS' });
    world.minutes = 2;
    await world.run({ operation: 'resendVerification', channel: 'SMS' });
    expect(world.state('SMS')?.codesSentAt).toEqual([iso(0), iso(2)]);
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' })).toEqual(
      {
        error: { type: 'CodeMismatchError', message: 'wrong code; 4 attempts left' },
      },
    );
    const verified = await world.run({
      operation: 'verifyContact',
      channel: 'SMS',
      code: '234567',
    });
    expect(verified).toEqual({ item: world.item });
    expect(world.state('SMS')?.status).toBe('VERIFIED');
  });

  it('sends at most three codes to a contact in an hour, and says when the next may be asked for', async () => {
    for (const minutes of [0, 10, 20]) {
      world.minutes = minutes;
      expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
        item: world.item,
      });
    }
    world.minutes = 59;
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'LimitExceededError',
        message:
          '3 codes were sent to this phone number within the last hour; ask for a new one after 2027-01-04T10:00:00.000Z.',
      },
    });
    expect(world.allowances).toHaveLength(3);
    world.minutes = 60;
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      item: world.item,
    });
  });

  it('answers each refusal of the limits with its error', async () => {
    world.minutes = 25;
    const answers: Record<string, unknown> = {};
    for (const reason of [
      'CODE_LIMIT',
      'DAILY_LIMIT',
      'DESTINATION_LIMIT',
      'COUNTRY_NOT_ALLOWED',
      'SMS_BUDGET',
    ] as const) {
      world.refusal = reason;
      answers[reason] = await world.run({ operation: 'resendVerification', channel: 'SMS' });
    }
    expect(answers).toEqual({
      CODE_LIMIT: {
        error: {
          type: 'LimitExceededError',
          message:
            '3 codes were sent to this phone number within this hour; ask for a new one after 2027-01-04T10:00:00.000Z.',
        },
      },
      DAILY_LIMIT: {
        error: {
          type: 'LimitExceededError',
          message: "You reached today's limit of messages by SMS; try again tomorrow.",
        },
      },
      DESTINATION_LIMIT: {
        error: {
          type: 'LimitExceededError',
          message: "This phone number reached today's limit of messages; try again tomorrow.",
        },
      },
      COUNTRY_NOT_ALLOWED: {
        error: {
          type: 'ValidationError',
          message: 'SMS codes cannot be sent to numbers in Germany (DE): SMS is not offered there.',
        },
      },
      SMS_BUDGET: {
        error: { type: 'LimitExceededError', message: 'SMS codes are paused; try email.' },
      },
    });
    expect(world.writes).toEqual([]);
  });

  it('names no country for a number that belongs to none', async () => {
    world.item = { ...world.current(), phone: '+8816123456789', phoneContact: undefined };
    world.refusal = 'COUNTRY_NOT_ALLOWED';
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'ValidationError',
        message:
          'SMS codes cannot be sent to this number: it belongs to no country (toll-free, premium-rate or satellite numbers are not served).',
      },
    });
  });

  it('refuses SMS codes when SMS is not configured on the stack', async () => {
    world.smsAvailable = false;
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: { type: 'ValidationError', message: 'SMS is not available on this service.' },
    });
  });

  it('creates the state of the sign-in email, and the item itself when there is none', async () => {
    world.item = null;
    const answer = await world.run({
      operation: 'resendVerification',
      channel: 'EMAIL',
      signInEmailVerified: false,
    });
    const emailContact: ContactState = {
      destination: SIGN_IN,
      status: 'PENDING',
      since: iso(0),
      code: storedCode('123456', 'EMAIL', SIGN_IN),
      codesSentAt: [iso(0)],
    };
    expect(world.writes).toEqual([{ expected: null, changes: { emailContact } }]);
    expect(answer).toEqual({
      item: { userId: USER, sk: '#preferences', version: 1, emailContact },
    });
    expect(world.sent.map((sent) => sent.to)).toEqual([SIGN_IN]);
  });

  it('refuses a contact that is already verified, by its owner or by the identity provider', async () => {
    world.item = {
      ...world.current(),
      phoneContact: { ...pending(PHONE), status: 'VERIFIED', verifiedAt: iso(0) },
    };
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'ValidationError',
        message: 'This phone number is already verified; no code is needed.',
      },
    });
    expect(await world.run({ operation: 'resendVerification', channel: 'EMAIL' })).toEqual({
      error: {
        type: 'ValidationError',
        message: 'This email address is already verified; no code is needed.',
      },
    });
    expect(world.sent).toEqual([]);
  });

  it('refuses a contact that is not set', async () => {
    world.item = { ...world.current(), phone: undefined, phoneContact: undefined };
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: { type: 'ValidationError', message: 'No phone number is set.' },
    });
  });

  it('moves an undeliverable email back to pending with a new code', async () => {
    world.item = {
      ...world.current(),
      email: EMAIL,
      emailContact: {
        destination: EMAIL,
        status: 'UNDELIVERABLE',
        since: iso(-60),
        undeliverable: { reason: 'BOUNCE', at: iso(-60), detail: 'Permanent/General' },
        codesSentAt: [],
      },
    };
    await world.run({ operation: 'resendVerification', channel: 'EMAIL' });
    expect(world.state('EMAIL')).toEqual({
      destination: EMAIL,
      status: 'PENDING',
      since: iso(0),
      code: storedCode('123456', 'EMAIL', EMAIL),
      codesSentAt: [iso(0)],
    });
    expect(world.sent.map((sent) => [sent.channel, sent.to])).toEqual([['EMAIL', EMAIL]]);
  });

  it('leaves no live code when the provider refused, and counts it', async () => {
    world.deliveryError = providerError('ValidationException', 400);
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'ValidationError',
        message: 'The code could not be delivered to this phone number; check it and set it again.',
      },
    });
    expect(world.state('SMS')).toEqual(pending(PHONE, [iso(0)]));
    expect(world.givenBack).toBe(0);
  });

  it('answers ServiceUnavailableError when the provider is unavailable', async () => {
    world.deliveryError = providerError('ServiceUnavailable', 503);
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'ServiceUnavailableError',
        message: 'The code could not be sent just now; ask for a new one in a few minutes.',
      },
    });
    expect(world.state('SMS')).toEqual(pending(PHONE));
  });

  it('reads again after a lost race, giving back what the first try took', async () => {
    world.races.push(() => {
      world.item = { ...world.current(), version: 4 };
    });
    await world.run({ operation: 'resendVerification', channel: 'SMS' });
    expect(world.writes.map((write) => write.expected)).toEqual([3, 4]);
    expect(world.givenBack).toBe(1);
    expect(world.sent).toHaveLength(1);
    expect(world.item?.version).toBe(5);
  });

  it('answers ConflictError after a second lost race, having sent nothing', async () => {
    const bump = () => {
      world.item = { ...world.current(), version: world.current().version + 1 };
    };
    world.races.push(bump, bump);
    expect(await world.run({ operation: 'resendVerification', channel: 'SMS' })).toEqual({
      error: {
        type: 'ConflictError',
        message:
          'Your notification preferences were changed in the meantime; reload them and try again.',
      },
    });
    expect(world.sent).toEqual([]);
    expect(world.givenBack).toBe(2);
  });
});

describe('verifyContact', () => {
  beforeEach(async () => {
    await world.run({ operation: 'issueCodes' });
    world.minutes = 3;
  });

  it('verifies the right code: VERIFIED since now, the code removed', async () => {
    const answer = await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' });
    const phoneContact: ContactState = {
      destination: PHONE,
      status: 'VERIFIED',
      since: iso(3),
      verifiedAt: iso(3),
      codesSentAt: [iso(0)],
    };
    expect(answer).toEqual({ item: { ...world.item, phoneContact, version: 5 } });
    expect(world.events.at(-1)).toEqual({ metric: 'CodesVerified', channel: 'SMS' });
    // Entered again: it stays verified, nothing is written.
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' })).toEqual(
      answer,
    );
    expect(world.item?.version).toBe(5);
  });

  it('counts wrong guesses and kills the code after five, even for the right code', async () => {
    const answers = [];
    for (let guess = 0; guess < 5; guess += 1) {
      answers.push(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '000000' }));
    }
    expect(answers).toEqual(
      [
        'wrong code; 4 attempts left',
        'wrong code; 3 attempts left',
        'wrong code; 2 attempts left',
        'wrong code; 1 attempt left',
        'wrong code; it no longer works, ask for a new one',
      ].map((message) => ({ error: { type: 'CodeMismatchError', message } })),
    );
    expect(world.state('SMS')?.code?.attempts).toBe(5);
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' })).toEqual(
      {
        error: {
          type: 'ExpiredCodeError',
          message: 'the code was guessed wrong 5 times and no longer works; ask for a new one',
        },
      },
    );
    expect(world.state('SMS')?.status).toBe('PENDING');
  });

  it('refuses the right code after 10 minutes', async () => {
    world.minutes = 10;
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' })).toEqual(
      {
        error: {
          type: 'ExpiredCodeError',
          message: 'the code has expired (codes are valid for 10 minutes); ask for a new one',
        },
      },
    );
  });

  it('refuses a guess that is not six digits without counting it', async () => {
    const version = world.item?.version;
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '12345' })).toEqual({
      error: { type: 'ValidationError', message: 'the code is the six digits we sent' },
    });
    expect(world.item?.version).toBe(version);
  });

  it('refuses a code sent to an earlier number, and a contact never sent one', async () => {
    world.item = { ...world.current(), phone: '+4915100000000' };
    const noCode = {
      error: { type: 'ExpiredCodeError', message: 'no code was sent to this contact; ask for one' },
    };
    expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code: '123456' })).toEqual(
      noCode,
    );
    expect(
      await world.run({ operation: 'verifyContact', channel: 'EMAIL', code: '123456' }),
    ).toEqual(noCode);
  });

  it('answers a guess whose count could not be written with ConflictError, never its outcome', async () => {
    const bump = () => {
      world.item = { ...world.current(), version: world.current().version + 1 };
    };
    for (const code of ['000000', '123456']) {
      world.races.push(bump, bump);
      expect(await world.run({ operation: 'verifyContact', channel: 'SMS', code })).toEqual({
        error: {
          type: 'ConflictError',
          message:
            'Your notification preferences were changed in the meantime; reload them and try again.',
        },
      });
    }
    expect(world.state('SMS')?.code?.attempts).toBe(0);
  });
});

describe('the request', () => {
  const base = { userId: USER, signInEmail: null, signInEmailVerified: false };

  it('is read as the contract says', () => {
    expect(parseRequest({ ...base, operation: 'issueCodes', channel: 'SMS' })).toEqual({
      ...base,
      operation: 'issueCodes',
    });
    expect(
      parseRequest({ ...base, operation: 'verifyContact', channel: 'SMS', code: '1' }),
    ).toEqual({ ...base, operation: 'verifyContact', channel: 'SMS', code: '1' });
  });

  it('throws for anything outside the contract: a bug of the caller, not user input', () => {
    for (const payload of [
      null,
      { ...base, operation: 'deleteContact' },
      { ...base, operation: 'issueCodes', userId: '' },
      { ...base, operation: 'issueCodes', signInEmailVerified: 'yes' },
      { ...base, operation: 'resendVerification' },
      { ...base, operation: 'resendVerification', channel: 'VOICE' },
      { ...base, operation: 'verifyContact', channel: 'SMS' },
      { ...base, operation: 'verifyContact', channel: 'SMS', code: 123456 },
    ]) {
      expect(() => parseRequest(payload)).toThrow(InvalidContactsRequestError);
    }
  });
});
