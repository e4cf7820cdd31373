/**
 * Stack policies: settings that live on separate resources (S3 bucket settings, auto scaling
 * targets, invoke configs, secret rotations) checked across the stack. Each rule starts from a
 * compliant stack and changes one resource per case.
 */
import { describe, expect, it } from 'vitest';
import { messages, type Fixture } from './harness.ts';
import { ACCOUNT, KEY_ARN, byName, document } from './rules.ts';

const RECORDS = `savings-plan-buy-prod-audit-${ACCOUNT}-eu-central-1`;
const LOGS = `savings-plan-buy-prod-s3-logs-${ACCOUNT}-eu-central-1`;

const S3 = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption:
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  policy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  logging: 'aws:s3/bucketLogging:BucketLogging',
  objectLock: 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  acl: 'aws:s3/bucketAcl:BucketAcl',
} as const;

function tlsOnly(bucket: string): string {
  return document({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { 'aws:SecureTransport': false } },
  });
}

/** A bucket with every setting the pack asks for, as the audit trail component declares them. */
function secureBucket(
  label: string,
  bucket: string,
  options: { encryption: Record<string, unknown>; logsTo?: string; locked?: boolean },
): Fixture[] {
  const setting = (kind: keyof typeof S3, inputs: Record<string, unknown>): Fixture => ({
    type: S3[kind],
    name: `${label}-${kind}`,
    inputs: { bucket, ...inputs },
  });
  return [
    {
      type: S3.bucket,
      name: label,
      inputs: { bucket, ...(options.locked === true ? { objectLockEnabled: true } : {}) },
    },
    setting('versioning', { versioningConfiguration: { status: 'Enabled' } }),
    setting('encryption', {
      rules: [{ applyServerSideEncryptionByDefault: options.encryption, bucketKeyEnabled: true }],
    }),
    setting('publicAccess', {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    setting('ownership', { rule: { objectOwnership: 'BucketOwnerEnforced' } }),
    setting('policy', { policy: tlsOnly(bucket) }),
    setting('lifecycle', {
      rules: [{ id: 'expire', status: 'Enabled', filter: {}, expiration: { days: 2557 } }],
    }),
    setting('notification', { eventbridge: true }),
    ...(options.logsTo === undefined
      ? []
      : [setting('logging', { targetBucket: options.logsTo, targetPrefix: `${label}/` })]),
    ...(options.locked === true
      ? [
          setting('objectLock', {
            objectLockEnabled: 'Enabled',
            rule: { defaultRetention: { mode: 'COMPLIANCE', days: 2557 } },
          }),
        ]
      : []),
  ];
}

/** The audit records bucket (locked, SSE-KMS, logging elsewhere) and its access-log bucket. */
const BUCKETS: Fixture[] = [
  ...secureBucket('records', RECORDS, {
    encryption: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY_ARN },
    logsTo: LOGS,
    locked: true,
  }),
  ...secureBucket('logs', LOGS, { encryption: { sseAlgorithm: 'AES256' } }),
];

/** The stack without the resource named `name`. */
function without(resources: readonly Fixture[], name: string): Fixture[] {
  if (!resources.some((resource) => resource.name === name)) throw new Error(`no ${name}`);
  return resources.filter((resource) => resource.name !== name);
}

/** The stack with the inputs of the resource named `name` changed. */
function changed(
  resources: readonly Fixture[],
  name: string,
  inputs: Record<string, unknown>,
): Fixture[] {
  if (!resources.some((resource) => resource.name === name)) throw new Error(`no ${name}`);
  return resources.map((resource) =>
    resource.name === name ? { ...resource, inputs: { ...resource.inputs, ...inputs } } : resource,
  );
}

interface StackCase {
  readonly passes: readonly (readonly [string, readonly Fixture[]])[];
  readonly reports: readonly (readonly [string, readonly Fixture[], readonly string[]])[];
  readonly stack?: string;
}

function describeStackRule(name: string, rule: StackCase): void {
  describe(name, () => {
    const policy = byName(name);
    const options = { stack: rule.stack ?? 'prod' };
    for (const [description, resources] of rule.passes) {
      it(`passes ${description}`, async () => {
        expect(await messages(policy, resources, options)).toEqual([]);
      });
    }
    for (const [description, resources, expected] of rule.reports) {
      it(`reports ${description}`, async () => {
        expect(await messages(policy, resources, options)).toEqual(expected);
      });
    }
  });
}

describe('S3 buckets', () => {
  const blockMessage = `S3 bucket ${RECORDS} must block all public access: add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.`;
  describeStackRule('aws-s3-bucket-enable-public-access-block', {
    passes: [['buckets that block all public access', BUCKETS]],
    reports: [
      [
        'a bucket without a public access block',
        without(BUCKETS, 'records-publicAccess'),
        [blockMessage],
      ],
      [
        'a block that lets public policies through',
        changed(BUCKETS, 'records-publicAccess', { blockPublicPolicy: false }),
        [blockMessage],
      ],
    ],
  });

  const versioningMessage = `S3 bucket ${RECORDS} must keep object versions: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`;
  describeStackRule('aws-s3-bucket-enable-versioning', {
    passes: [
      ['versioned buckets', BUCKETS],
      [
        'a bucket versioned inline (deprecated bucket argument)',
        changed(without(BUCKETS, 'records-versioning'), 'records', {
          versioning: { enabled: true },
        }),
      ],
    ],
    reports: [
      ['a bucket without versioning', without(BUCKETS, 'records-versioning'), [versioningMessage]],
      [
        'suspended versioning',
        changed(BUCKETS, 'records-versioning', {
          versioningConfiguration: { status: 'Suspended' },
        }),
        [versioningMessage],
      ],
    ],
  });

  const tlsMessage = `S3 bucket ${RECORDS} must refuse requests without TLS: add a bucket policy statement that denies s3:* on arn:aws:s3:::${RECORDS} and arn:aws:s3:::${RECORDS}/* to every principal when aws:SecureTransport is false.`;
  const tlsStatement = JSON.parse(tlsOnly(RECORDS)).Statement[0] as Record<string, unknown>;
  describeStackRule('aws-s3-bucket-enforce-secure-transport', {
    passes: [
      ['TLS-only bucket policies', BUCKETS],
      [
        'a TLS-only inline policy (deprecated bucket argument)',
        changed(without(BUCKETS, 'records-policy'), 'records', { policy: tlsOnly(RECORDS) }),
      ],
      [
        'a deny on every resource, with the string "false"',
        changed(BUCKETS, 'records-policy', {
          policy: document({
            ...tlsStatement,
            Principal: '*',
            Resource: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        }),
      ],
    ],
    reports: [
      ['a bucket without a policy', without(BUCKETS, 'records-policy'), [tlsMessage]],
      [
        'a deny for the objects only',
        changed(BUCKETS, 'records-policy', {
          policy: document({ ...tlsStatement, Resource: `arn:aws:s3:::${RECORDS}/*` }),
        }),
        [tlsMessage],
      ],
      [
        'a deny of some actions only',
        changed(BUCKETS, 'records-policy', {
          policy: document({ ...tlsStatement, Action: 's3:GetObject' }),
        }),
        [tlsMessage],
      ],
      [
        'a deny without the aws:SecureTransport condition',
        changed(BUCKETS, 'records-policy', {
          policy: document({ ...tlsStatement, Condition: undefined }),
        }),
        [tlsMessage],
      ],
      [
        'an Allow instead of a Deny',
        changed(BUCKETS, 'records-policy', {
          policy: document({ ...tlsStatement, Effect: 'Allow' }),
        }),
        [tlsMessage],
      ],
    ],
  });

  describeStackRule('aws-s3-bucket-enable-access-logging', {
    passes: [
      ['a bucket logging to a separate log bucket (which is exempt)', BUCKETS],
      [
        'logging configured inline (deprecated bucket argument)',
        changed(without(BUCKETS, 'records-logging'), 'records', {
          logging: { targetBucket: LOGS },
        }),
      ],
    ],
    reports: [
      [
        // Nothing logs to the log bucket any more, so it is an ordinary bucket too.
        'a bucket without access logging',
        without(BUCKETS, 'records-logging'),
        [
          `S3 bucket ${RECORDS} must log server access: add an aws.s3.BucketLogging that sends its access logs to a separate log bucket.`,
          `S3 bucket ${LOGS} must log server access: add an aws.s3.BucketLogging that sends its access logs to a separate log bucket.`,
        ],
      ],
      [
        'a bucket logging to itself',
        changed(BUCKETS, 'records-logging', { targetBucket: RECORDS }),
        [
          `S3 bucket ${RECORDS} must not log to itself: set the aws.s3.BucketLogging targetBucket to a separate log bucket.`,
          `S3 bucket ${LOGS} must log server access: add an aws.s3.BucketLogging that sends its access logs to a separate log bucket.`,
        ],
      ],
    ],
  });

  const lifecycleMessage = `S3 bucket ${RECORDS} must have a lifecycle: add an aws.s3.BucketLifecycleConfiguration with at least one rule whose status is "Enabled".`;
  describeStackRule('aws-s3-bucket-configure-lifecycle', {
    passes: [
      ['buckets with lifecycles', BUCKETS],
      [
        'inline lifecycle rules (deprecated bucket argument)',
        changed(without(BUCKETS, 'records-lifecycle'), 'records', {
          lifecycleRules: [{ enabled: true, expiration: { days: 30 } }],
        }),
      ],
    ],
    reports: [
      ['a bucket without a lifecycle', without(BUCKETS, 'records-lifecycle'), [lifecycleMessage]],
      [
        'a lifecycle whose rules are all disabled',
        changed(BUCKETS, 'records-lifecycle', { rules: [{ id: 'x', status: 'Disabled' }] }),
        [lifecycleMessage],
      ],
    ],
  });

  const notificationMessage = `S3 bucket ${RECORDS} must send event notifications: add an aws.s3.BucketNotification with eventbridge: true.`;
  describeStackRule('aws-s3-bucket-enable-event-notifications', {
    passes: [
      ['buckets that notify EventBridge', BUCKETS],
      [
        'notifications to a queue',
        changed(BUCKETS, 'records-notification', {
          eventbridge: undefined,
          queues: [{ queueArn: 'q', events: ['s3:ObjectCreated:*'] }],
        }),
      ],
    ],
    reports: [
      [
        'a bucket without notifications',
        without(BUCKETS, 'records-notification'),
        [notificationMessage],
      ],
      [
        'a notification resource with no target',
        changed(BUCKETS, 'records-notification', { eventbridge: false }),
        [notificationMessage],
      ],
    ],
  });

  const aclMessage = `S3 bucket ${RECORDS} must not use ACLs: add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced" and grant access with policies instead of ACLs.`;
  describeStackRule('aws-s3-bucket-disable-acls', {
    passes: [
      ['buckets with ACLs disabled', BUCKETS],
      ['an inline private ACL (the default)', changed(BUCKETS, 'records', { acl: 'private' })],
      [
        "the owner's own grant, which every bucket's state shows",
        changed(BUCKETS, 'records', {
          grants: [{ type: 'CanonicalUser', id: 'owner', permissions: ['FULL_CONTROL'] }],
        }),
      ],
    ],
    reports: [
      ['a bucket without ownership controls', without(BUCKETS, 'records-ownership'), [aclMessage]],
      [
        'object writer ownership (ACLs on)',
        changed(BUCKETS, 'records-ownership', { rule: { objectOwnership: 'ObjectWriter' } }),
        [aclMessage],
      ],
      [
        'an ACL resource for the bucket',
        [
          ...BUCKETS,
          { type: S3.acl, name: 'records-acl', inputs: { bucket: RECORDS, acl: 'private' } },
        ],
        [aclMessage],
      ],
      [
        'an inline canned ACL',
        changed(BUCKETS, 'records', { acl: 'log-delivery-write' }),
        [aclMessage],
      ],
      [
        'inline grants',
        changed(BUCKETS, 'records', {
          grants: [{ type: 'CanonicalUser', id: 'someone', permissions: ['READ'] }],
        }),
        [aclMessage],
      ],
    ],
  });

  const kmsMessage = `S3 bucket ${RECORDS} must encrypt objects with the project key: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and kmsMasterKeyId set to the customer managed key ARN.`;
  describeStackRule('aws-s3-bucket-enable-customer-key-encryption', {
    passes: [
      ['SSE-KMS with the project key, and SSE-S3 on the access-log bucket', BUCKETS],
      [
        'inline SSE-KMS (deprecated bucket argument)',
        changed(without(BUCKETS, 'records-encryption'), 'records', {
          serverSideEncryptionConfiguration: {
            rule: {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyId: KEY_ARN,
              },
            },
          },
        }),
      ],
    ],
    reports: [
      [
        'a bucket without default encryption settings',
        without(BUCKETS, 'records-encryption'),
        [kmsMessage],
      ],
      [
        'SSE-S3 on a bucket that receives no access logs',
        changed(BUCKETS, 'records-encryption', {
          rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
        }),
        [kmsMessage],
      ],
      [
        'SSE-KMS with the AWS managed key (no key id)',
        changed(BUCKETS, 'records-encryption', {
          rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
        }),
        [kmsMessage],
      ],
      [
        'SSE-KMS with the aws/s3 alias',
        changed(BUCKETS, 'records-encryption', {
          rules: [
            {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyId: 'alias/aws/s3',
              },
            },
          ],
        }),
        [kmsMessage],
      ],
      [
        'SSE-KMS on the access-log bucket (S3 cannot deliver logs there)',
        changed(BUCKETS, 'logs-encryption', {
          rules: [
            {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyId: KEY_ARN,
              },
            },
          ],
        }),
        [
          `S3 bucket ${LOGS} receives server access logs and must encrypt them with SSE-S3: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256".`,
        ],
      ],
    ],
  });

  describeStackRule('aws-s3-bucket-configure-audit-object-lock', {
    passes: [
      ['the audit bucket locked for seven years in COMPLIANCE mode', BUCKETS],
      [
        'a retention given in years',
        changed(BUCKETS, 'records-objectLock', {
          rule: { defaultRetention: { mode: 'COMPLIANCE', years: 7 } },
        }),
      ],
    ],
    reports: [
      [
        'an audit bucket without Object Lock',
        changed(without(BUCKETS, 'records-objectLock'), 'records', {
          objectLockEnabled: undefined,
        }),
        [
          `Audit bucket ${RECORDS} must be write-once: create it with objectLockEnabled: true (Object Lock can only be enabled when a bucket is created).`,
        ],
      ],
      [
        'Object Lock without a default retention',
        without(BUCKETS, 'records-objectLock'),
        [
          `Audit bucket ${RECORDS} must lock records in COMPLIANCE mode: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention.mode "COMPLIANCE" (GOVERNANCE can be bypassed).`,
        ],
      ],
      [
        'GOVERNANCE mode',
        changed(BUCKETS, 'records-objectLock', {
          rule: { defaultRetention: { mode: 'GOVERNANCE', days: 2557 } },
        }),
        [
          `Audit bucket ${RECORDS} must lock records in COMPLIANCE mode: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention.mode "COMPLIANCE" (GOVERNANCE can be bypassed).`,
        ],
      ],
      [
        'a retention shorter than seven years in prod',
        changed(BUCKETS, 'records-objectLock', {
          rule: { defaultRetention: { mode: 'COMPLIANCE', days: 2556 } },
        }),
        [
          `Audit bucket ${RECORDS} must keep records at least 7 years: set rule.defaultRetention to days: 2557 or more (auditRetentionDays in the stack configuration).`,
        ],
      ],
      [
        'any other bucket with Object Lock in GOVERNANCE mode',
        [
          ...BUCKETS,
          {
            type: S3.bucket,
            name: 'other',
            inputs: { bucket: 'other-bucket', objectLockEnabled: true },
          },
          {
            type: S3.objectLock,
            name: 'other-lock',
            inputs: {
              bucket: 'other-bucket',
              rule: { defaultRetention: { mode: 'GOVERNANCE', days: 1 } },
            },
          },
        ],
        [
          'Audit bucket other-bucket must lock records in COMPLIANCE mode: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention.mode "COMPLIANCE" (GOVERNANCE can be bypassed).',
        ],
      ],
    ],
  });
  describeStackRule('aws-s3-bucket-configure-audit-object-lock', {
    stack: 'staging',
    passes: [
      [
        'a short COMPLIANCE retention outside prod',
        changed(BUCKETS, 'records-objectLock', {
          rule: { defaultRetention: { mode: 'COMPLIANCE', days: 30 } },
        }),
      ],
    ],
    reports: [],
  });
});

describe('aws-dynamodb-table-configure-capacity-scaling', () => {
  const table = (inputs: Record<string, unknown>): Fixture => ({
    type: 'aws:dynamodb/table:Table',
    name: 'plans-table',
    inputs: { name: 'plans', hashKey: 'id', ...inputs },
  });
  const target = (dimension: string): Fixture => ({
    type: 'aws:appautoscaling/target:Target',
    name: `plans-${dimension}`,
    inputs: {
      serviceNamespace: 'dynamodb',
      resourceId: 'table/plans',
      scalableDimension: `dynamodb:table:${dimension}`,
      minCapacity: 1,
      maxCapacity: 100,
    },
  });
  const message =
    'DynamoDB table plans must follow demand: set billingMode to "PAY_PER_REQUEST", or add aws.appautoscaling.Target resources for table/plans on both read and write capacity.';
  describeStackRule('aws-dynamodb-table-configure-capacity-scaling', {
    passes: [
      ['an on-demand table', [table({ billingMode: 'PAY_PER_REQUEST' })]],
      [
        'a provisioned table that scales reads and writes',
        [
          table({ billingMode: 'PROVISIONED', readCapacity: 5, writeCapacity: 5 }),
          target('ReadCapacityUnits'),
          target('WriteCapacityUnits'),
        ],
      ],
    ],
    reports: [
      ['a table at fixed (default provisioned) capacity', [table({ readCapacity: 5 })], [message]],
      [
        'a provisioned table that scales reads only',
        [table({ billingMode: 'PROVISIONED' }), target('ReadCapacityUnits')],
        [message],
      ],
    ],
  });
});

describe('aws-lambda-function-configure-failure-destination', () => {
  const NAME = 'savings-plan-buy-prod-sweeper';
  const ARN = `arn:aws:lambda:eu-central-1:${ACCOUNT}:function:${NAME}`;
  const fn: Fixture = {
    type: 'aws:lambda/function:Function',
    name: 'sweeper-function',
    inputs: { name: NAME, runtime: 'nodejs24.x' },
    state: { name: NAME, runtime: 'nodejs24.x', arn: ARN },
  };
  const schedule: Fixture = {
    type: 'aws:scheduler/schedule:Schedule',
    name: 'sweeper-schedule',
    inputs: { scheduleExpression: 'rate(15 minutes)', target: { arn: ARN, roleArn: 'role' } },
  };
  const invokeConfig: Fixture = {
    type: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
    name: 'sweeper-failures',
    inputs: { functionName: NAME, destinationConfig: { onFailure: { destination: 'queue-arn' } } },
  };
  const message = `Lambda function ${NAME} is invoked asynchronously and must keep the events it fails: add an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure (or a deadLetterConfig) that names a queue.`;
  describeStackRule('aws-lambda-function-configure-failure-destination', {
    passes: [
      ['a scheduled function with an on-failure destination', [fn, schedule, invokeConfig]],
      [
        'a scheduled function with a dead-letter queue',
        [{ ...fn, state: { ...fn.state, deadLetterConfig: { targetArn: 'queue-arn' } } }, schedule],
      ],
      ['a function nothing invokes asynchronously', [fn]],
      [
        'an invoke config that names the function by ARN',
        [
          fn,
          schedule,
          { ...invokeConfig, inputs: { ...invokeConfig.inputs, functionName: `${ARN}:live` } },
        ],
      ],
    ],
    reports: [
      ['a scheduled function without a destination', [fn, schedule], [message]],
      [
        'an invoke config without an on-failure destination',
        [
          fn,
          schedule,
          { ...invokeConfig, inputs: { functionName: NAME, maximumRetryAttempts: 2 } },
        ],
        [message],
      ],
      [
        'an EventBridge rule target',
        [
          fn,
          {
            type: 'aws:cloudwatch/eventTarget:EventTarget',
            name: 't',
            inputs: { rule: 'r', arn: ARN },
          },
        ],
        [message],
      ],
      [
        'an SNS subscription',
        [
          fn,
          {
            type: 'aws:sns/topicSubscription:TopicSubscription',
            name: 's',
            inputs: { topic: 't', protocol: 'lambda', endpoint: ARN },
          },
        ],
        [message],
      ],
      [
        'an S3 notification',
        [
          fn,
          {
            type: S3.notification,
            name: 'n',
            inputs: {
              bucket: 'b',
              lambdaFunctions: [{ lambdaFunctionArn: ARN, events: ['s3:ObjectCreated:*'] }],
            },
          },
        ],
        [message],
      ],
      [
        'a permission for S3 to invoke it',
        [
          fn,
          {
            type: 'aws:lambda/permission:Permission',
            name: 'p',
            inputs: {
              function: NAME,
              action: 'lambda:InvokeFunction',
              principal: 's3.amazonaws.com',
            },
          },
        ],
        [message],
      ],
    ],
  });
});

describe('aws-appsync-graphqlapi-enable-waf-rate-limit', () => {
  const API_ARN = `arn:aws:appsync:eu-central-1:${ACCOUNT}:apis/api123`;
  const ACL_ARN = `arn:aws:wafv2:eu-central-1:${ACCOUNT}:regional/webacl/savings-plan-buy-prod-api/acl-id`;
  const api: Fixture = {
    type: 'aws:appsync/graphQLApi:GraphQLApi',
    name: 'graphql-api',
    inputs: { name: 'savings-plan-buy-prod', authenticationType: 'AMAZON_COGNITO_USER_POOLS' },
    state: { name: 'savings-plan-buy-prod', arn: API_ARN },
  };
  const rateRule = {
    name: 'rate-limit-per-ip',
    priority: 0,
    action: { block: { customResponse: { responseCode: 429 } } },
    statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: 'IP' } },
    visibilityConfig: {
      cloudwatchMetricsEnabled: true,
      metricName: 'rate-limit-per-ip',
      sampledRequestsEnabled: true,
    },
  };
  const acl = (rules: unknown[]): Fixture => {
    const inputs = { name: 'savings-plan-buy-prod-api', scope: 'REGIONAL', rules };
    return {
      type: 'aws:wafv2/webAcl:WebAcl',
      name: 'graphql-firewall-acl',
      inputs,
      state: { ...inputs, arn: ACL_ARN },
    };
  };
  const association = (resourceArn: string, webAclArn = ACL_ARN): Fixture => ({
    type: 'aws:wafv2/webAclAssociation:WebAclAssociation',
    name: 'graphql-firewall-association',
    inputs: { resourceArn, webAclArn },
  });
  const behindWaf =
    "AppSync API savings-plan-buy-prod must sit behind AWS WAF: add an aws.wafv2.WebAclAssociation of a REGIONAL web ACL with a blocking rate-based rule to the API's ARN.";
  const rateLimited =
    'AppSync API savings-plan-buy-prod must be rate limited per client: give its web ACL savings-plan-buy-prod-api a rule with a rateBasedStatement and a block action.';
  describeStackRule('aws-appsync-graphqlapi-enable-waf-rate-limit', {
    passes: [
      [
        'an API behind a web ACL that blocks over a rate',
        [api, acl([rateRule]), association(API_ARN)],
      ],
      [
        'an API behind a web ACL managed outside the stack (Firewall Manager)',
        [api, association(API_ARN, `arn:aws:wafv2:eu-central-1:${ACCOUNT}:regional/webacl/fms/x`)],
      ],
    ],
    reports: [
      ['an API without a web ACL', [api, acl([rateRule])], [behindWaf]],
      [
        'a web ACL associated with another API',
        [api, acl([rateRule]), association(`${API_ARN}-other`)],
        [behindWaf],
      ],
      ['a web ACL without rules', [api, acl([]), association(API_ARN)], [rateLimited]],
      [
        'a rate-based rule that only counts',
        [api, acl([{ ...rateRule, action: { count: {} } }]), association(API_ARN)],
        [rateLimited],
      ],
      [
        'a blocking rule that is not rate-based',
        [
          api,
          acl([{ ...rateRule, statement: { geoMatchStatement: { countryCodes: ['XX'] } } }]),
          association(API_ARN),
        ],
        [rateLimited],
      ],
    ],
  });
});

describe('aws-secretsmanager-secret-enable-rotation', () => {
  const secret: Fixture = {
    type: 'aws:secretsmanager/secret:Secret',
    name: 'exchange-secret',
    inputs: { name: 'prod/exchange/coinbase', kmsKeyId: KEY_ARN },
    state: {
      name: 'prod/exchange/coinbase',
      arn: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:prod/exchange/coinbase-AbCdEf`,
    },
  };
  const rotation = (secretId: unknown, days: number): Fixture => ({
    type: 'aws:secretsmanager/secretRotation:SecretRotation',
    name: 'exchange-rotation',
    inputs: { secretId, rotationLambdaArn: 'fn', rotationRules: { automaticallyAfterDays: days } },
  });
  describeStackRule('aws-secretsmanager-secret-enable-rotation', {
    passes: [
      ['a secret rotated every 30 days (by ARN)', [secret, rotation(secret.state?.arn, 30)]],
      [
        'a secret rotated every 90 days (by name)',
        [secret, rotation('prod/exchange/coinbase', 90)],
      ],
    ],
    reports: [
      [
        'a secret that never rotates',
        [secret],
        [
          'Secrets Manager secret prod/exchange/coinbase must rotate automatically: add an aws.secretsmanager.SecretRotation with a rotation function and rotationRules.automaticallyAfterDays of 90 or fewer.',
        ],
      ],
      [
        'a secret rotated once a year',
        [secret, rotation('prod/exchange/coinbase', 365)],
        [
          'Secrets Manager secret prod/exchange/coinbase must rotate at least every 90 days: set rotationRules.automaticallyAfterDays to 90 or fewer.',
        ],
      ],
    ],
  });
});
