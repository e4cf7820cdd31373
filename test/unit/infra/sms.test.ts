/**
 * A stack with an End User Messaging origination identity (staging with a pool), under Pulumi
 * mocks: the notifier is told the identity and may send SMS from it and from nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const POOL_ARN = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;

beforeAll(async () => {
  run = await runProgram('staging', { smsOriginationIdentity: POOL_ARN });
});

describe('SMS from the stack’s origination identity', () => {
  it('tells the notifier which identity to send from', () => {
    const fn = run.one('aws:lambda/function:Function', 'notifier-function').inputs;
    expect(
      (fn.environment as { variables: Record<string, string> }).variables.SMS_ORIGINATION_IDENTITY,
    ).toBe(POOL_ARN);
  });

  it('lets the notifier and the contacts function (codes) send from exactly that identity, and no other role send SMS', () => {
    const sms = run.all('aws:iam/rolePolicy:RolePolicy').flatMap((resource) =>
      policy(resource.inputs.policy)
        .Statement.filter((statement) => JSON.stringify(statement.Action).includes('sms-voice:'))
        .map((statement) => [resource.name, statement]),
    );
    expect(sms).toEqual([
      [
        'contacts-policy',
        {
          Sid: 'SendCodesFromTheStacksIdentity',
          Effect: 'Allow',
          Action: 'sms-voice:SendTextMessage',
          Resource: POOL_ARN,
        },
      ],
      [
        'notifier-policy',
        {
          Sid: 'SendTextMessagesFromTheStacksIdentity',
          Effect: 'Allow',
          Action: 'sms-voice:SendTextMessage',
          Resource: POOL_ARN,
        },
      ],
    ]);
  });
});
