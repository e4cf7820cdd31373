/**
 * Verification codes on the local stack: the contacts function's real bundle, invoked as AppSync
 * invokes its Lambda data source (payloads of the contract), against DynamoDB Local and the local
 * SES and SMS stand-ins. The code reaches the outbox as the person would read it, only its hash
 * is kept, and guesses, expiry on the local clock and the hourly limits (per contact and per
 * destination across accounts) hold.
 */
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCode, sentTo } from '../../support/contacts.ts';
import { codeMessage } from '#domain/contact-messages.ts';
import { LocalClock } from '#local/clock.ts';
import type { LocalLambda } from '#local/services/lambda.ts';
import type { LocalStack } from '#local/stack.ts';
import type { ContactState } from '#shared/contacts.ts';
import { smsStackConfig, startTestStack } from '../../support/stack.ts';

interface Item {
  readonly userId: string;
  readonly version: number;
  readonly emailContact?: ContactState;
  readonly phoneContact?: ContactState;
}
type Answer = { item: Item | null } | { error: { type: string; message: string } };

const START = Date.parse('2027-03-01T09:00:00Z');

let stack: LocalStack;
let table: string;
let dynamodb: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date(START)),
    config: smsStackConfig(),
  });
  table = stack.tableNames.notifications as string;
  dynamodb = DynamoDBDocumentClient.from(stack.dynamodb);
});

afterAll(async () => {
  await stack.stop();
});

/** The preferences item as updateNotificationPreferences leaves it: the new contact PENDING. */
async function preferences(
  userId: string,
  contact: { email: string } | { phone: string },
): Promise<void> {
  const [attribute, destination] =
    'email' in contact ? ['emailContact', contact.email] : ['phoneContact', contact.phone];
  await dynamodb.send(
    new PutCommand({
      TableName: table,
      Item: {
        userId,
        sk: '#preferences',
        ...contact,
        rules: [],
        version: 1,
        updatedAt: new Date(START).toISOString(),
        [attribute]: {
          destination,
          status: 'PENDING',
          since: new Date(START).toISOString(),
          codesSentAt: [],
        },
      },
    }),
  );
}

async function invoke(
  operation: 'issueCodes' | 'verifyContact' | 'resendVerification',
  userId: string,
  rest: { channel?: 'EMAIL' | 'SMS'; code?: string; signInEmailVerified?: boolean } = {},
): Promise<Answer> {
  const contacts = stack.lambdas.get('contacts') as LocalLambda;
  return (await contacts.invoke({
    operation,
    userId,
    signInEmail: `${userId}@example.com`,
    signInEmailVerified: true,
    ...rest,
  })) as Answer;
}

function itemOf(answer: Answer): Item {
  if (!('item' in answer) || answer.item === null) {
    throw new Error(`expected an item, got ${JSON.stringify(answer)}`);
  }
  return answer.item;
}

/** Every string in the table with the attribute it is under. */
async function everyString(): Promise<[string, string][]> {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
  const strings: [string, string][] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') strings.push([key, value]);
    else if (Array.isArray(value)) value.forEach((entry) => walk(entry, key));
    else if (typeof value === 'object' && value !== null) {
      for (const [name, entry] of Object.entries(value)) walk(entry, name);
    }
  };
  Items.forEach((item) => walk(item, ''));
  return strings;
}

describe('verification codes on the local stack', () => {
  it('sends the code to the phone, keeps only its hash, and verifies the right code', async () => {
    const phone = '+4915170000001';
    await preferences('ada', { phone });
    const issued = itemOf(await invoke('issueCodes', 'ada'));

    const code = latestCode(stack, phone);
    expect(
      sentTo(stack, phone).map(({ channel, subject, body, event }) => ({
        channel,
        subject,
        body,
        event,
      })),
    ).toEqual([
      { channel: 'SMS', subject: null, body: codeMessage(code).sms, event: 'CONTACT_VERIFICATION' },
    ]);
    expect(issued.version).toBe(2);
    expect(issued.phoneContact).toMatchObject({
      destination: phone,
      status: 'PENDING',
      code: { attempts: 0 },
    });
    // Nowhere in the table is the code: hashes and salts are hex, nothing else holds it.
    const strings = await everyString();
    expect(
      strings.filter(([key, value]) => key === 'hash' && !/^[0-9a-f]{64}$/.test(value)),
    ).toEqual([]);
    expect(
      strings.filter(([key, value]) => key === 'salt' && !/^[0-9a-f]{32}$/.test(value)),
    ).toEqual([]);
    expect(
      strings.filter(([key, value]) => key !== 'hash' && key !== 'salt' && value.includes(code)),
    ).toEqual([]);
    // Nor in the history: the code message is not a notification.
    expect(strings.filter(([key, value]) => key === 'sk' && value.startsWith('n#'))).toEqual([]);

    const wrong = code === '000000' ? '111111' : '000000';
    expect(await invoke('verifyContact', 'ada', { channel: 'SMS', code: wrong })).toEqual({
      error: { type: 'CodeMismatchError', message: 'wrong code; 4 attempts left' },
    });
    const verified = itemOf(await invoke('verifyContact', 'ada', { channel: 'SMS', code }));
    expect(verified.version).toBe(4);
    expect(verified.phoneContact).toEqual({
      destination: phone,
      status: 'VERIFIED',
      since: verified.phoneContact?.verifiedAt,
      verifiedAt: verified.phoneContact?.since,
      codesSentAt: issued.phoneContact?.codesSentAt,
    });
  });

  it('kills a code guessed wrong five times: the right code is refused after', async () => {
    const phone = '+4915170000002';
    await preferences('bea', { phone });
    await invoke('issueCodes', 'bea');
    const code = latestCode(stack, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const types: string[] = [];
    for (let guess = 0; guess < 5; guess += 1) {
      const answer = await invoke('verifyContact', 'bea', { channel: 'SMS', code: wrong });
      types.push('error' in answer ? answer.error.type : 'item');
    }
    expect(types).toEqual(Array.from({ length: 5 }, () => 'CodeMismatchError'));
    expect(await invoke('verifyContact', 'bea', { channel: 'SMS', code })).toEqual({
      error: {
        type: 'ExpiredCodeError',
        message: 'the code was guessed wrong 5 times and no longer works; ask for a new one',
      },
    });
  });

  it('sends at most three codes to a contact in an hour, then says when the next may be asked for', async () => {
    const email = 'cleo@example.com';
    await preferences('cleo', { email });
    let item: Item | null = null;
    for (let resend = 0; resend < 3; resend += 1) {
      item = itemOf(await invoke('resendVerification', 'cleo', { channel: 'EMAIL' }));
    }
    expect(sentTo(stack, email).map((message) => message.subject)).toEqual(
      Array.from({ length: 3 }, () => 'Your Savings Plan Buy code'),
    );
    const first = Date.parse(item?.emailContact?.codesSentAt[0] ?? '');
    expect(await invoke('resendVerification', 'cleo', { channel: 'EMAIL' })).toEqual({
      error: {
        type: 'LimitExceededError',
        message: `3 codes were sent to this email address within the last hour; ask for a new one after ${new Date(first + 3_600_000).toISOString()}.`,
      },
    });
    expect(sentTo(stack, email)).toHaveLength(3);
  });

  it('limits codes to one phone number across accounts', async () => {
    const phone = '+4915170000009';
    await preferences('dan', { phone });
    await preferences('eve', { phone });
    await invoke('resendVerification', 'dan', { channel: 'SMS' });
    await invoke('resendVerification', 'dan', { channel: 'SMS' });
    await invoke('issueCodes', 'eve');
    expect(sentTo(stack, phone)).toHaveLength(3);
    // Eve has had one code herself, but the number has had three this hour.
    const refused = await invoke('resendVerification', 'eve', { channel: 'SMS' });
    expect(refused).toEqual({
      error: {
        type: 'LimitExceededError',
        message:
          '3 codes were sent to this phone number within this hour; ask for a new one after 2027-03-01T10:00:00.000Z.',
      },
    });
    expect(sentTo(stack, phone)).toHaveLength(3);
  });

  it('refuses SMS codes to a country the stack does not serve, naming it', async () => {
    await preferences('fay', { phone: '+12025550123' });
    expect(await invoke('resendVerification', 'fay', { channel: 'SMS' })).toEqual({
      error: {
        type: 'ValidationError',
        message:
          'SMS codes cannot be sent to numbers in United States (US): SMS is not offered there.',
      },
    });
    // issueCodes leaves it pending without a code, and does not fail.
    const item = itemOf(await invoke('issueCodes', 'fay'));
    expect(item.phoneContact).toEqual({
      destination: '+12025550123',
      status: 'PENDING',
      since: new Date(START).toISOString(),
      codesSentAt: [],
    });
    expect(sentTo(stack, '+12025550123')).toEqual([]);
  });

  it('sends a code to an unverified sign-in email, creating the preferences item with the default rules', async () => {
    const answer = itemOf(
      await invoke('resendVerification', 'hal', { channel: 'EMAIL', signInEmailVerified: false }),
    );
    expect(answer).toMatchObject({
      userId: 'hal',
      sk: '#preferences',
      version: 1,
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL'] },
        { event: 'RUN_MISSED', channels: ['EMAIL'] },
        { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
      ],
      emailContact: { destination: 'hal@example.com', status: 'PENDING' },
    });
    const code = latestCode(stack, 'hal@example.com');
    expect(
      itemOf(await invoke('verifyContact', 'hal', { channel: 'EMAIL', code })).emailContact?.status,
    ).toBe('VERIFIED');
  });

  it('refuses the right code once 10 minutes passed on the local clock', async () => {
    const phone = '+4915170000003';
    await preferences('gus', { phone });
    await invoke('issueCodes', 'gus');
    const code = latestCode(stack, phone);
    await stack.advanceTo(Date.parse(sentTo(stack, phone)[0]?.sentAt ?? '') + 10 * 60_000);
    expect(await invoke('verifyContact', 'gus', { channel: 'SMS', code })).toEqual({
      error: {
        type: 'ExpiredCodeError',
        message: 'the code has expired (codes are valid for 10 minutes); ask for a new one',
      },
    });
  });
});
