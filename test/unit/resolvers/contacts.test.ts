/**
 * Contact verification in the resolvers: the state each contact shows, how a new email or phone
 * starts over as PENDING (without resetting the hourly code limit), the SMS country allow-list,
 * the calls to the contacts function and how its answers and errors come back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as verification from '#domain/contact-verification.ts';
import * as resolverLimits from '../../../resolvers/lib/code-limits.ts';
import {
  call,
  context,
  loadHandlers,
  NOW,
  TEST_SETTINGS,
  type Handlers,
} from '../../support/resolvers.ts';

let handlers: (name: string) => Handlers;

beforeAll(async () => {
  handlers = await loadHandlers();
});

const NOW_ISO = new Date(NOW).toISOString();
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();

const EVERY_EVENT_BY_EMAIL = [
  { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
  { event: 'PURCHASE_FAILED', channels: ['EMAIL'] },
  { event: 'RUN_MISSED', channels: ['EMAIL'] },
  { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
];

const NO_STATE = {
  since: null,
  verifiedAt: null,
  codeExpiresAt: null,
  attemptsLeft: null,
  nextCodeAllowedAt: null,
  undeliverableReason: null,
};

/** A context for alice signed in with `claims` (email alice@example.com unless told). */
function signedIn(
  args: object,
  extra: Record<string, unknown> = {},
  claims: Record<string, unknown> = { email: 'alice@example.com', email_verified: true },
): Record<string, unknown> {
  const base = context(args, extra);
  return { ...base, identity: { ...(base.identity as object), claims } };
}

/** DynamoDB attribute values as plain values (what the item will hold). */
function plain(value: unknown): unknown {
  const typed = value as Record<string, unknown>;
  if ('S' in typed) return typed.S;
  if ('N' in typed) return Number(typed.N);
  if ('BOOL' in typed) return typed.BOOL;
  if ('NULL' in typed) return null;
  if ('L' in typed) return (typed.L as unknown[]).map(plain);
  if ('M' in typed) return plainMap(typed.M as Record<string, unknown>);
  throw new Error(`not an attribute value: ${JSON.stringify(value)}`);
}
function plainMap(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, plain(value)]));
}

/** The item a savePreferencesItem request writes (attributes besides the key). */
function written(outcome: ReturnType<typeof call>): Record<string, unknown> {
  if (outcome.kind !== 'value')
    throw new Error(`expected a request, got ${JSON.stringify(outcome)}`);
  return plainMap((outcome.value as { attributeValues: Record<string, unknown> }).attributeValues);
}

const STORED = {
  userId: 'alice',
  sk: '#preferences',
  phone: '+4915123456789',
  rules: EVERY_EVENT_BY_EMAIL,
  version: 4,
  updatedAt: '2026-11-20T10:00:00.000Z',
  phoneContact: {
    destination: '+4915123456789',
    status: 'VERIFIED',
    since: '2026-11-20T10:05:00.000Z',
    verifiedAt: '2026-11-20T10:05:00.000Z',
    codesSentAt: ['2026-11-20T10:00:00.000Z'],
  },
};

const readPreferences = (
  item: object | null,
  claims?: Record<string, unknown>,
): Record<string, unknown> => {
  const outcome = call(
    handlers('Query.notificationPreferences').response,
    signedIn({}, { result: item }, claims),
  );
  if (outcome.kind !== 'value') throw new Error(JSON.stringify(outcome));
  return outcome.value as Record<string, unknown>;
};

describe('the verification state of each contact', () => {
  it('shows the sign-in email VERIFIED when the token says email_verified, as a boolean or the string "true"', () => {
    for (const verified of [true, 'true']) {
      expect(
        readPreferences(null, { email: 'alice@example.com', email_verified: verified }),
      ).toEqual({
        email: 'alice@example.com',
        phone: null,
        rules: EVERY_EVENT_BY_EMAIL,
        emailVerification: { status: 'VERIFIED', ...NO_STATE },
        phoneVerification: null,
      });
    }
  });

  it('shows the sign-in email PENDING, without a code, when the token does not say it is verified', () => {
    for (const claims of [
      { email: 'alice@example.com', email_verified: false },
      { email: 'alice@example.com', email_verified: 'false' },
      { email: 'alice@example.com' },
    ]) {
      expect(readPreferences(null, claims).emailVerification).toEqual({
        status: 'PENDING',
        ...NO_STATE,
      });
    }
  });

  it('shows no email state without any email', () => {
    expect(readPreferences(null, {})).toMatchObject({
      email: null,
      emailVerification: null,
      phoneVerification: null,
    });
  });

  it('shows a live code with its expiry and the attempts it still takes', () => {
    const item = {
      ...STORED,
      email: 'savings@example.org',
      emailContact: {
        destination: 'savings@example.org',
        status: 'PENDING',
        since: at(-2),
        code: { hash: 'ab', salt: 'cd', expiresAt: at(8), attempts: 2 },
        codesSentAt: [at(-2)],
      },
    };
    expect(readPreferences(item)).toEqual({
      email: 'savings@example.org',
      phone: '+4915123456789',
      rules: EVERY_EVENT_BY_EMAIL,
      emailVerification: {
        ...NO_STATE,
        status: 'PENDING',
        since: at(-2),
        codeExpiresAt: at(8),
        attemptsLeft: 3,
      },
      phoneVerification: {
        ...NO_STATE,
        status: 'VERIFIED',
        since: '2026-11-20T10:05:00.000Z',
        verifiedAt: '2026-11-20T10:05:00.000Z',
      },
    });
  });

  it('shows no code once it expired or was guessed wrong 5 times', () => {
    for (const code of [
      { hash: 'ab', salt: 'cd', expiresAt: NOW_ISO, attempts: 0 },
      { hash: 'ab', salt: 'cd', expiresAt: at(5), attempts: 5 },
    ]) {
      const item = {
        ...STORED,
        phoneContact: {
          destination: '+4915123456789',
          status: 'PENDING',
          since: at(-10),
          code,
          codesSentAt: [at(-10)],
        },
      };
      expect(readPreferences(item).phoneVerification).toEqual({
        ...NO_STATE,
        status: 'PENDING',
        since: at(-10),
      });
    }
  });

  it('says when a new code may be asked for once 3 were sent within the hour: an hour after the oldest', () => {
    const state = (codesSentAt: string[]) => ({
      ...STORED,
      phoneContact: {
        destination: '+4915123456789',
        status: 'PENDING',
        since: at(-50),
        codesSentAt,
      },
    });
    expect(readPreferences(state([at(-50), at(-30), at(-5)])).phoneVerification).toMatchObject({
      nextCodeAllowedAt: at(10),
    });
    // The first of three is more than an hour old: only two count.
    expect(readPreferences(state([at(-61), at(-30), at(-5)])).phoneVerification).toMatchObject({
      nextCodeAllowedAt: null,
    });
  });

  it('applies a state only to the destination it is about', () => {
    const item = { ...STORED, phone: '+4917000000000' };
    expect(readPreferences(item).phoneVerification).toEqual({ status: 'PENDING', ...NO_STATE });
    // An address stored before contacts had states is not taken as verified either.
    expect(readPreferences({ ...STORED, email: 'old@example.org' }).emailVerification).toEqual({
      status: 'PENDING',
      ...NO_STATE,
    });
  });

  it("lets the sign-in email's own state (a bounce) win over the token's email_verified", () => {
    const item = {
      ...STORED,
      emailContact: {
        destination: 'alice@example.com',
        status: 'UNDELIVERABLE',
        since: at(-60),
        undeliverable: { reason: 'BOUNCE', at: at(-60), detail: 'Permanent/General' },
        codesSentAt: [],
      },
    };
    expect(readPreferences(item).emailVerification).toEqual({
      ...NO_STATE,
      status: 'UNDELIVERABLE',
      since: at(-60),
      undeliverableReason: 'BOUNCE',
    });
  });
});

describe('savePreferencesItem and the contact states', () => {
  const save = (stored: object | null, input: object, claims?: Record<string, unknown>) =>
    call(
      handlers('pipeline/savePreferencesItem').request,
      signedIn({ input }, { stash: { stored, phoneProblem: null } }, claims),
    );

  it('starts a new phone PENDING, carrying over the codes sent within the hour to the old one', () => {
    const stored = {
      ...STORED,
      phoneContact: {
        ...STORED.phoneContact,
        codesSentAt: [at(-70), at(-40), at(-10)],
      },
    };
    const outcome = save(stored, { phone: '+4917000000000' });
    expect(outcome.kind === 'value' && (outcome.value as Record<string, unknown>)).toMatchObject({
      operation: 'PutItem',
      key: { userId: { S: 'alice' }, sk: { S: '#preferences' } },
      condition: {
        expression: '#version = :version',
        expressionNames: { '#version': 'version' },
        expressionValues: { ':version': { N: 4 } },
      },
    });
    expect(written(outcome)).toEqual({
      phone: '+4917000000000',
      rules: EVERY_EVENT_BY_EMAIL,
      version: 5,
      updatedAt: NOW_ISO,
      phoneContact: {
        destination: '+4917000000000',
        status: 'PENDING',
        since: NOW_ISO,
        codesSentAt: [at(-40), at(-10)],
      },
    });
  });

  it('changes nothing about a contact set to the value it already has', () => {
    expect(written(save(STORED, { phone: STORED.phone, rules: [] }))).toEqual({
      phone: '+4915123456789',
      rules: EVERY_EVENT_BY_EMAIL,
      version: 5,
      updatedAt: NOW_ISO,
      phoneContact: STORED.phoneContact,
    });
  });

  it('removes the state with the phone, and keeps attributes it does not own', () => {
    const stored = { ...STORED, smsOptOut: { at: at(-5) } };
    expect(written(save(stored, { phone: null }))).toEqual({
      rules: EVERY_EVENT_BY_EMAIL,
      version: 5,
      updatedAt: NOW_ISO,
      smsOptOut: { at: at(-5) },
    });
  });

  it('starts a new email PENDING, and drops its state when returning to the sign-in email', () => {
    const first = written(save(null, { email: 'savings@example.org' }));
    expect(first).toEqual({
      email: 'savings@example.org',
      rules: EVERY_EVENT_BY_EMAIL,
      version: 1,
      updatedAt: NOW_ISO,
      emailContact: {
        destination: 'savings@example.org',
        status: 'PENDING',
        since: NOW_ISO,
        codesSentAt: [],
      },
    });
    const stored = { ...first, userId: 'alice', sk: '#preferences' };
    expect(written(save(stored, { email: null }))).toEqual({
      rules: EVERY_EVENT_BY_EMAIL,
      version: 2,
      updatedAt: NOW_ISO,
    });
  });

  it("keeps the sign-in email's own state (a bounce) when returning to it", () => {
    const bounced = {
      destination: 'alice@example.com',
      status: 'UNDELIVERABLE',
      since: at(-60),
      undeliverable: { reason: 'BOUNCE', at: at(-60), detail: 'Permanent/General' },
      codesSentAt: [],
    };
    const stored = { ...STORED, email: 'alice@example.com', emailContact: bounced };
    expect(written(save(stored, { email: null }))).toMatchObject({ emailContact: bounced });
  });

  it('refuses the phone with the problem checkPhoneCountry stashed, and writes nothing', () => {
    const problem =
      '+18765551234 is in JM, where this service does not send SMS; SMS goes to AT, DE, GB';
    expect(
      call(
        handlers('pipeline/savePreferencesItem').request,
        signedIn(
          { input: { phone: '+18765551234' } },
          { stash: { stored: STORED, phoneProblem: problem } },
        ),
      ),
    ).toEqual({
      kind: 'error',
      message: `Invalid input: phone ${problem}.`,
      errorType: 'ValidationError',
      errorInfo: { fields: { phone: problem } },
    });
  });
});

describe('checkPhoneCountry', () => {
  const check = (handler: Handlers, stored: object | null, phone: string | null | undefined) => {
    const ctx = signedIn(
      { input: phone === undefined ? {} : { phone } },
      { stash: { stored }, prev: { result: { previous: true } } },
    );
    const outcome = call(handler.request, ctx);
    return { outcome, problem: (ctx.stash as { phoneProblem: unknown }).phoneProblem };
  };

  it('names the country of a phone SMS does not go to, and the countries it does', () => {
    expect(check(handlers('pipeline/checkPhoneCountry'), null, '+18765551234')).toEqual({
      outcome: { kind: 'earlyReturn', value: { previous: true } },
      problem:
        '+18765551234 is in JM, where this service does not send SMS; SMS goes to AT, DE, GB',
    });
  });

  it('refuses a premium, toll-free or satellite number whatever the allow-list', () => {
    for (const phone of ['+19005551234', '+18005551234', '+881612345678']) {
      expect(check(handlers('pipeline/checkPhoneCountry'), null, phone).problem).toBe(
        `${phone} belongs to no country (toll-free, premium or satellite numbers are not accepted)`,
      );
    }
  });

  it('lets a phone of an allowed country through, and one that is kept as it is', () => {
    expect(check(handlers('pipeline/checkPhoneCountry'), null, '+4915123456789').problem).toBe(
      null,
    );
    const legacy = { ...STORED, phone: '+18765551234' };
    expect(check(handlers('pipeline/checkPhoneCountry'), legacy, '+18765551234').problem).toBe(
      null,
    );
    expect(check(handlers('pipeline/checkPhoneCountry'), STORED, undefined).problem).toBe(null);
    expect(check(handlers('pipeline/checkPhoneCountry'), STORED, null).problem).toBe(null);
  });

  it('allows a US number only when the stack configures US', async () => {
    expect(check(handlers('pipeline/checkPhoneCountry'), null, '+12025550123').problem).toBe(
      '+12025550123 is in US, where this service does not send SMS; SMS goes to AT, DE, GB',
    );
    const withUs = await loadHandlers({ ...TEST_SETTINGS, smsCountries: ['DE', 'US'] });
    expect(check(withUs('pipeline/checkPhoneCountry'), null, '+12025550123').problem).toBe(null);
    expect(check(withUs('pipeline/checkPhoneCountry'), null, '+18765551234').problem).toBe(
      '+18765551234 is in JM, where this service does not send SMS; SMS goes to DE, US',
    );
  });
});

describe('issueContactCodes', () => {
  const PREVIOUS = { email: 'alice@example.com' };
  const issue = (saved: object, claims?: Record<string, unknown>) =>
    call(
      handlers('pipeline/issueContactCodes').request,
      signedIn({}, { stash: { saved }, prev: { result: PREVIOUS } }, claims),
    );
  const pendingPhone = {
    ...STORED,
    phoneContact: {
      destination: '+4915123456789',
      status: 'PENDING',
      since: NOW_ISO,
      codesSentAt: [],
    },
  };

  it('asks the contacts function to send codes when a contact waits for its first one', () => {
    expect(issue(pendingPhone)).toEqual({
      kind: 'value',
      value: {
        operation: 'Invoke',
        payload: {
          operation: 'issueCodes',
          userId: 'alice',
          signInEmail: 'alice@example.com',
          signInEmailVerified: true,
        },
      },
    });
    expect(issue(pendingPhone, { email: 'alice@example.com', email_verified: 'false' })).toEqual({
      kind: 'value',
      value: {
        operation: 'Invoke',
        payload: {
          operation: 'issueCodes',
          userId: 'alice',
          signInEmail: 'alice@example.com',
          signInEmailVerified: false,
        },
      },
    });
  });

  it('does not call the function when no contact waits for a code it could get', () => {
    const saved = [
      STORED,
      // A code was sent already (live or not).
      {
        ...pendingPhone,
        phoneContact: {
          ...pendingPhone.phoneContact,
          code: { hash: 'ab', salt: 'cd', expiresAt: at(-1), attempts: 0 },
        },
      },
      // Three codes within the hour: none can go before the hour is over.
      {
        ...pendingPhone,
        phoneContact: { ...pendingPhone.phoneContact, codesSentAt: [at(-50), at(-20), at(-1)] },
      },
      // A state about another number.
      { ...pendingPhone, phone: '+4917000000000' },
    ];
    for (const item of saved) {
      expect(issue(item)).toEqual({ kind: 'earlyReturn', value: PREVIOUS });
    }
  });

  it('answers the preferences from the item the function returns', () => {
    const item = {
      ...pendingPhone,
      phoneContact: {
        ...pendingPhone.phoneContact,
        code: { hash: 'ab', salt: 'cd', expiresAt: at(10), attempts: 0 },
        codesSentAt: [NOW_ISO],
      },
    };
    expect(
      call(
        handlers('pipeline/issueContactCodes').response,
        signedIn({}, { stash: { saved: pendingPhone }, result: { item } }),
      ),
    ).toEqual({
      kind: 'value',
      value: {
        email: 'alice@example.com',
        phone: '+4915123456789',
        rules: EVERY_EVENT_BY_EMAIL,
        emailVerification: { status: 'VERIFIED', ...NO_STATE },
        phoneVerification: {
          ...NO_STATE,
          status: 'PENDING',
          since: NOW_ISO,
          codeExpiresAt: at(10),
          attemptsLeft: 5,
        },
      },
    });
  });

  it('raises the error the function answers with, and a failed invocation', () => {
    expect(
      call(
        handlers('pipeline/issueContactCodes').response,
        signedIn(
          {},
          {
            stash: { saved: pendingPhone },
            result: { error: { type: 'ConflictError', message: 'changed in the meantime' } },
          },
        ),
      ),
    ).toEqual({
      kind: 'error',
      message: 'changed in the meantime',
      errorType: 'ConflictError',
      errorInfo: null,
    });
    expect(
      call(
        handlers('pipeline/issueContactCodes').response,
        signedIn(
          {},
          {
            stash: { saved: pendingPhone },
            error: { type: 'Lambda:Unhandled', message: 'contacts failed' },
            result: null,
          },
        ),
      ),
    ).toEqual({
      kind: 'error',
      message: 'contacts failed',
      errorType: 'Lambda:Unhandled',
      errorInfo: null,
    });
  });
});

describe('verifyContact and resendVerification', () => {
  it('hands the channel and the code to the contacts function', () => {
    expect(
      call(
        handlers('pipeline/verifyContactCode').request,
        signedIn({ channel: 'SMS', code: '012345' }),
      ),
    ).toEqual({
      kind: 'value',
      value: {
        operation: 'Invoke',
        payload: {
          operation: 'verifyContact',
          userId: 'alice',
          signInEmail: 'alice@example.com',
          signInEmailVerified: true,
          channel: 'SMS',
          code: '012345',
        },
      },
    });
    expect(
      call(handlers('pipeline/resendContactCode').request, signedIn({ channel: 'EMAIL' }, {}, {})),
    ).toEqual({
      kind: 'value',
      value: {
        operation: 'Invoke',
        payload: {
          operation: 'resendVerification',
          userId: 'alice',
          signInEmail: null,
          signInEmailVerified: false,
          channel: 'EMAIL',
        },
      },
    });
  });

  it('refuses a code that is not six digits without calling the function', () => {
    for (const code of ['12345', '1234567', '12345a', ' 123456', '']) {
      expect(
        call(handlers('pipeline/verifyContactCode').request, signedIn({ channel: 'SMS', code })),
      ).toEqual({
        kind: 'error',
        message: 'Invalid input: code must be the six digits we sent.',
        errorType: 'ValidationError',
        errorInfo: { fields: { code: 'must be the six digits we sent' } },
      });
    }
  });

  it("raises the function's typed errors as they are", () => {
    for (const [name, type] of [
      ['pipeline/verifyContactCode', 'CodeMismatchError'],
      ['pipeline/verifyContactCode', 'ExpiredCodeError'],
      ['pipeline/resendContactCode', 'LimitExceededError'],
    ] as const) {
      expect(
        call(
          handlers(name).response,
          signedIn({}, { result: { error: { type, message: `the ${type} message` } } }),
        ),
      ).toEqual({
        kind: 'error',
        message: `the ${type} message`,
        errorType: type,
        errorInfo: null,
      });
    }
  });

  it('answers the preferences from the item, or the defaults when there is none', () => {
    const verified = {
      ...STORED,
      email: 'savings@example.org',
      emailContact: {
        destination: 'savings@example.org',
        status: 'VERIFIED',
        since: NOW_ISO,
        verifiedAt: NOW_ISO,
        codesSentAt: [at(-3)],
      },
    };
    expect(
      call(
        handlers('pipeline/verifyContactCode').response,
        signedIn({}, { result: { item: verified } }),
      ),
    ).toMatchObject({
      kind: 'value',
      value: {
        email: 'savings@example.org',
        emailVerification: { ...NO_STATE, status: 'VERIFIED', since: NOW_ISO, verifiedAt: NOW_ISO },
      },
    });
    expect(
      call(
        handlers('pipeline/resendContactCode').response,
        signedIn({}, { result: { item: null } }),
      ),
    ).toEqual({
      kind: 'value',
      value: {
        email: 'alice@example.com',
        phone: null,
        rules: EVERY_EVENT_BY_EMAIL,
        emailVerification: { status: 'VERIFIED', ...NO_STATE },
        phoneVerification: null,
      },
    });
  });

  it('shows the limits the domain module enforces', () => {
    expect({
      attempts: resolverLimits.MAX_ATTEMPTS,
      codesPerHour: resolverLimits.MAX_CODES_PER_HOUR,
    }).toEqual({
      attempts: verification.MAX_ATTEMPTS,
      codesPerHour: verification.MAX_CODES_PER_HOUR,
    });
  });
});
