/** IAM: identity policies wherever they are declared, users, and role trust policies. */
import { describe, expect, it } from 'vitest';
import { messages } from './harness.ts';
import { ACCOUNT, KEY_ARN, byName, describeResourceRule, document, fixture } from './rules.ts';

const TABLE_ARN = `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/plans`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduling-role`;
const READ_TABLE = {
  Sid: 'ReadPlans',
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:Query'],
  Resource: TABLE_ARN,
};
const XRAY = {
  Sid: 'XRay',
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};
const PASS_ROLE = {
  Sid: 'PassSchedulerRole',
  Effect: 'Allow',
  Action: 'iam:PassRole',
  Resource: SCHEDULER_ROLE,
  Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
};
const DECRYPT_VIA_DYNAMODB = {
  Sid: 'TableKey',
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
  Resource: KEY_ARN,
  Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } },
};
/** A least-privilege role policy: every rule below starts from it. */
const compliant = document(READ_TABLE, XRAY, PASS_ROLE, DECRYPT_VIA_DYNAMODB);
const ROLE_POLICY = 'aws:iam/rolePolicy:RolePolicy';
const withStatements = (...statements: Record<string, unknown>[]) => ({
  role: 'fn-role',
  policy: document(...statements),
});

describeResourceRule('aws-iam-policy-disallow-wildcard-actions', {
  type: ROLE_POLICY,
  passes: [
    ['exact actions', { role: 'fn-role', policy: compliant }],
    ['a Deny of every action', withStatements({ Effect: 'Deny', Action: '*', Resource: '*' })],
  ],
  reports: [
    [
      'an Allow of "*" (administrator)',
      withStatements({ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' }),
      [
        'IAM policies must name the actions they allow: replace "*" in statement Admin with the exact actions.',
      ],
    ],
    [
      'an Allow of "*" on one resource',
      withStatements({ Effect: 'Allow', Action: ['dynamodb:GetItem', '*'], Resource: TABLE_ARN }),
      [
        'IAM policies must name the actions they allow: replace "*" in statement #1 with the exact actions.',
      ],
    ],
    [
      'NotAction in an Allow',
      withStatements({
        Sid: 'AllButIam',
        Effect: 'Allow',
        NotAction: 'iam:*',
        Resource: TABLE_ARN,
      }),
      [
        'IAM policies must name the actions they allow: replace NotAction in statement AllButIam with Action and the exact actions.',
      ],
    ],
  ],
});

describeResourceRule('aws-iam-policy-disallow-service-wildcard-actions', {
  type: ROLE_POLICY,
  passes: [
    ['exact actions', { role: 'fn-role', policy: compliant }],
    [
      'a prefix wildcard (not every action)',
      withStatements({ ...READ_TABLE, Action: 'dynamodb:Get*' }),
    ],
  ],
  reports: [
    [
      'dynamodb:*',
      withStatements({ ...READ_TABLE, Action: ['dynamodb:*', 'sqs:*'] }),
      [
        'IAM policies must not allow every action of a service: replace "dynamodb:*" in statement ReadPlans with the exact actions.',
        'IAM policies must not allow every action of a service: replace "sqs:*" in statement ReadPlans with the exact actions.',
      ],
    ],
  ],
});

describeResourceRule('aws-iam-policy-disallow-all-resources', {
  type: ROLE_POLICY,
  passes: [
    ['exact resources, and "*" for X-Ray only', { role: 'fn-role', policy: compliant }],
    [
      'Step Functions log delivery on "*"',
      withStatements({
        Effect: 'Allow',
        Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:PutResourcePolicy'],
        Resource: '*',
      }),
    ],
    [
      'reading alarm states on "*" (composite alarms answer no narrower grant)',
      withStatements({ Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: '*' }),
    ],
    ['a Deny on "*"', withStatements({ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' })],
  ],
  reports: [
    [
      'changing alarms on "*"',
      withStatements({
        Sid: 'Alarms',
        Effect: 'Allow',
        Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:SetAlarmState'],
        Resource: '*',
      }),
      [
        'IAM policies may use Resource "*" only for actions without resource-level permissions: scope cloudwatch:SetAlarmState in statement Alarms to the exact ARNs.',
      ],
    ],
    [
      'table actions on "*"',
      withStatements(READ_TABLE, { ...XRAY, Action: [...XRAY.Action, 'dynamodb:GetItem'] }),
      [
        'IAM policies may use Resource "*" only for actions without resource-level permissions: scope dynamodb:GetItem in statement XRay to the exact ARNs.',
      ],
    ],
    [
      'a wildcard pattern of allow-listed actions on "*"',
      withStatements({ Sid: 'XRayAll', Effect: 'Allow', Action: 'xray:Put*', Resource: ['*'] }),
      [
        'IAM policies may use Resource "*" only for actions without resource-level permissions: scope xray:Put* in statement XRayAll to the exact ARNs.',
      ],
    ],
    [
      'NotResource in an Allow',
      withStatements({ ...READ_TABLE, Resource: undefined, NotResource: TABLE_ARN }),
      [
        'IAM policies must name the resources they allow: replace NotResource in statement ReadPlans with Resource and the exact ARNs.',
      ],
    ],
  ],
});

describeResourceRule('aws-iam-policy-disallow-decrypt-on-all-keys', {
  type: ROLE_POLICY,
  passes: [['decryption with the project key only', { role: 'fn-role', policy: compliant }]],
  reports: [
    [
      'kms:Decrypt on "*"',
      withStatements({ ...DECRYPT_VIA_DYNAMODB, Resource: '*' }),
      [
        'IAM policies must not let a principal decrypt with every KMS key: scope kms:Decrypt in statement TableKey to the key ARNs it needs.',
      ],
    ],
    [
      'kms:* on every key of the account',
      withStatements({
        Sid: 'AnyKey',
        Effect: 'Allow',
        Action: 'kms:*',
        Resource: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/*`,
      }),
      [
        'IAM policies must not let a principal decrypt with every KMS key: scope kms:Decrypt and kms:ReEncryptFrom in statement AnyKey to the key ARNs it needs.',
      ],
    ],
  ],
});

const POOL_ARN = `arn:aws:sms-voice:eu-central-1:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;
const SEND_SMS = {
  Sid: 'SendTextMessagesFromTheStacksIdentity',
  Effect: 'Allow',
  Action: 'sms-voice:SendTextMessage',
  Resource: POOL_ARN,
};

describeResourceRule('aws-iam-policy-disallow-sms-from-any-origination-identity', {
  type: ROLE_POLICY,
  passes: [
    ['no SMS at all', { role: 'fn-role', policy: compliant }],
    ['SMS from one pool', withStatements(SEND_SMS)],
    [
      'SMS from a sender id of one country',
      withStatements({
        ...SEND_SMS,
        Resource: `arn:aws:sms-voice:eu-central-1:${ACCOUNT}:sender-id/SavingsPlan/DE`,
      }),
    ],
    ['a Deny of SMS on "*"', withStatements({ ...SEND_SMS, Effect: 'Deny', Resource: '*' })],
  ],
  reports: [
    [
      'SMS on "*"',
      withStatements({ ...SEND_SMS, Resource: '*' }),
      [
        'IAM policies must name the origination identity SMS is sent from: replace "*" for sms-voice:SendTextMessage in statement SendTextMessagesFromTheStacksIdentity with the exact phone number, sender id or pool ARN.',
      ],
    ],
    [
      "SMS on every End User Messaging resource of the account's Region",
      withStatements({
        ...SEND_SMS,
        Resource: [POOL_ARN, `arn:aws:sms-voice:eu-central-1:${ACCOUNT}:*`],
      }),
      [
        `IAM policies must name the origination identity SMS is sent from: replace "arn:aws:sms-voice:eu-central-1:${ACCOUNT}:*" for sms-voice:SendTextMessage in statement SendTextMessagesFromTheStacksIdentity with the exact phone number, sender id or pool ARN.`,
      ],
    ],
    [
      'SMS on any phone number, through a service-wide action pattern',
      withStatements({
        Sid: 'AnyNumber',
        Effect: 'Allow',
        Action: 'sms-voice:Send*',
        Resource: `arn:aws:sms-voice:eu-central-1:${ACCOUNT}:phone-number/phone-????`,
      }),
      [
        `IAM policies must name the origination identity SMS is sent from: replace "arn:aws:sms-voice:eu-central-1:${ACCOUNT}:phone-number/phone-????" for sms-voice:SendTextMessage in statement AnyNumber with the exact phone number, sender id or pool ARN.`,
      ],
    ],
    [
      'SMS with NotResource',
      withStatements({ ...SEND_SMS, Resource: undefined, NotResource: POOL_ARN }),
      [
        'IAM policies must name the origination identity SMS is sent from: replace NotResource in statement SendTextMessagesFromTheStacksIdentity with the exact phone number, sender id or pool ARN.',
      ],
    ],
  ],
});

describeResourceRule('aws-iam-policy-enforce-pass-role-scope', {
  type: ROLE_POLICY,
  passes: [['passing the scheduler role to Scheduler', { role: 'fn-role', policy: compliant }]],
  reports: [
    [
      'passing any role',
      withStatements({ ...PASS_ROLE, Resource: `arn:aws:iam::${ACCOUNT}:role/*` }),
      [
        'IAM policies may pass only named roles: list the exact role ARNs for iam:PassRole in statement PassSchedulerRole instead of wildcards.',
      ],
    ],
    [
      'passing a role to any service',
      withStatements({ ...PASS_ROLE, Condition: undefined }),
      [
        'IAM policies must say which service a role is passed to: add a StringEquals condition on iam:PassedToService to statement PassSchedulerRole.',
      ],
    ],
    [
      'iam:Pass* on "*" without a condition',
      withStatements({ Sid: 'Pass', Effect: 'Allow', Action: 'iam:Pass*', Resource: '*' }),
      [
        'IAM policies may pass only named roles: list the exact role ARNs for iam:PassRole in statement Pass instead of wildcards.',
        'IAM policies must say which service a role is passed to: add a StringEquals condition on iam:PassedToService to statement Pass.',
      ],
    ],
  ],
});

const STACK_ROLES = `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-prod-*`;
describeResourceRule('aws-iam-policy-enforce-pass-role-scope', {
  type: ROLE_POLICY,
  options: {
    config: {
      'aws-iam-policy-enforce-pass-role-scope': { rolePrefixes: ['savings-plan-buy-prod-'] },
    },
  },
  passes: [
    [
      'passing the roles of a configured prefix',
      withStatements({ ...PASS_ROLE, Resource: STACK_ROLES }),
    ],
  ],
  reports: [
    [
      'passing the roles of another prefix',
      withStatements({ ...PASS_ROLE, Resource: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-*` }),
      [
        'IAM policies may pass only named roles: list the exact role ARNs for iam:PassRole in statement PassSchedulerRole instead of wildcards.',
      ],
    ],
    [
      'a configured prefix with a wildcard inside',
      withStatements({
        ...PASS_ROLE,
        Resource: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-prod-*-x*`,
      }),
      [
        'IAM policies may pass only named roles: list the exact role ARNs for iam:PassRole in statement PassSchedulerRole instead of wildcards.',
      ],
    ],
  ],
});

const STACK_KEYS = {
  Sid: 'StackKeys',
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/*`,
  Condition: {
    StringEquals: {
      'aws:ResourceTag/project': 'savings-plan-buy',
      'aws:ResourceTag/stack': 'prod',
    },
  },
};
const DECRYPT_MESSAGE =
  'IAM policies must not let a principal decrypt with every KMS key: scope kms:Decrypt in statement StackKeys to the key ARNs it needs.';
describeResourceRule('aws-iam-policy-disallow-decrypt-on-all-keys', {
  type: ROLE_POLICY,
  options: {
    config: { 'aws-iam-policy-disallow-decrypt-on-all-keys': { keyTags: ['project', 'stack'] } },
  },
  passes: [['the keys that carry every configured tag', withStatements(STACK_KEYS)]],
  reports: [
    [
      'the keys that carry one of the configured tags',
      withStatements({
        ...STACK_KEYS,
        Condition: { StringEquals: { 'aws:ResourceTag/stack': 'prod' } },
      }),
      [DECRYPT_MESSAGE],
    ],
    [
      'tags matched by a pattern',
      withStatements({
        ...STACK_KEYS,
        Condition: {
          StringLike: { 'aws:ResourceTag/project': 'savings-*', 'aws:ResourceTag/stack': '*' },
        },
      }),
      [DECRYPT_MESSAGE],
    ],
    ['"*" whatever the tags', withStatements({ ...STACK_KEYS, Resource: '*' }), [DECRYPT_MESSAGE]],
  ],
});

describeResourceRule('aws-iam-policy-disallow-decrypt-on-all-keys', {
  type: ROLE_POLICY,
  passes: [],
  reports: [
    [
      'keys named by tags when the pack configures no tag',
      withStatements(STACK_KEYS),
      [DECRYPT_MESSAGE],
    ],
  ],
});

describe('identity policies are checked wherever they are declared', () => {
  const admin = document({ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' });
  const message =
    'IAM policies must name the actions they allow: replace "*" in statement Admin with the exact actions.';
  const policy = byName('aws-iam-policy-disallow-wildcard-actions');
  it.each([
    ['a managed policy', 'aws:iam/policy:Policy', { policy: admin }],
    ['a user policy', 'aws:iam/userPolicy:UserPolicy', { user: 'u', policy: admin }],
    ['a group policy', 'aws:iam/groupPolicy:GroupPolicy', { group: 'g', policy: admin }],
    [
      "a role's inline policies",
      'aws:iam/role:Role',
      { assumeRolePolicy: '{}', inlinePolicies: [{ name: 'admin', policy: admin }] },
    ],
  ])('reports %s', async (_kind, type, inputs) => {
    expect(await messages(policy, [fixture(type, inputs)])).toEqual([message]);
  });

  it('reads a document given as an object, not only as JSON', async () => {
    expect(
      await messages(policy, [
        fixture(ROLE_POLICY, {
          role: 'r',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'Admin', Effect: 'Allow', Action: '*', Resource: '*' }],
          },
        }),
      ]),
    ).toEqual([message]);
  });

  it('ignores a document that is not JSON (AWS refuses it at deployment)', async () => {
    expect(
      await messages(policy, [fixture(ROLE_POLICY, { role: 'r', policy: '{not json' })]),
    ).toEqual([]);
  });
});

describe('aws-iam-user-disallow-attached-policies', () => {
  const message =
    'IAM users must not hold policies of their own: grant the permissions to a role (or a group) and let the user assume it.';
  const policy = byName('aws-iam-user-disallow-attached-policies');
  it('passes an attachment to roles and groups only', async () => {
    expect(
      await messages(policy, [
        fixture('aws:iam/policyAttachment:PolicyAttachment', {
          policyArn: 'arn',
          roles: ['r'],
          groups: ['g'],
        }),
      ]),
    ).toEqual([]);
  });
  it.each([
    ['an inline user policy', 'aws:iam/userPolicy:UserPolicy', { user: 'u', policy: '{}' }],
    [
      'a managed policy attached to a user',
      'aws:iam/userPolicyAttachment:UserPolicyAttachment',
      { user: 'u', policyArn: 'arn' },
    ],
    [
      'a policy attachment that names users',
      'aws:iam/policyAttachment:PolicyAttachment',
      { policyArn: 'arn', users: ['u'] },
    ],
  ])('reports %s', async (_kind, type, inputs) => {
    expect(await messages(policy, [fixture(type, inputs)])).toEqual([message]);
  });
});

describeResourceRule('aws-iam-role-disallow-public-trust', {
  type: 'aws:iam/role:Role',
  passes: [
    [
      'a service trust with a source account',
      {
        assumeRolePolicy: document({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
        }),
      },
    ],
    [
      '"*" narrowed to the organization',
      {
        assumeRolePolicy: document({
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
        }),
      },
    ],
  ],
  reports: [
    [
      'a role anyone may assume',
      {
        assumeRolePolicy: document({
          Sid: 'Anyone',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sts:AssumeRole',
        }),
      },
      [
        'IAM roles must not be assumable by anyone: name the trusted principal in statement Anyone of assumeRolePolicy, or narrow it with aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceAccount.',
      ],
    ],
    [
      '"*" with a condition that narrows nothing',
      {
        assumeRolePolicy: document({
          Effect: 'Allow',
          Principal: '*',
          Action: 'sts:AssumeRole',
          Condition: { StringLike: { 'aws:PrincipalOrgID': '*' } },
        }),
      },
      [
        'IAM roles must not be assumable by anyone: name the trusted principal in statement #1 of assumeRolePolicy, or narrow it with aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceAccount.',
      ],
    ],
  ],
});
