/**
 * The CI roles' policies as data: the preview role's exactly, and the rules the deploy role's
 * statements keep (the stack's prefix, or a documented reason).
 */
import { describe, expect, it } from 'vitest';
import { ALL_RESOURCES_ALLOW_LIST } from '../../../policies/aws/iam/Policy/disallowAllResources.ts';
import { wildcardMatches } from '../../../policies/lib/documents.ts';
import {
  DEPLOY_EXCEPTIONS,
  deployPolicy,
  githubTrustPolicy,
  previewPolicy,
  type StateScope,
} from '../../../bootstrap/permissions.ts';

const scope: StateScope = {
  stack: 'prod',
  region: 'eu-central-1',
  accountId: '777788889999',
  bucketName: 'savings-plan-buy-pulumi-state-777788889999',
  stateKeyArn: 'arn:aws:kms:eu-central-1:777788889999:key/state',
  secretsKeyArn: 'arn:aws:kms:eu-central-1:777788889999:key/secrets',
};
const BUCKET = `arn:aws:s3:::${scope.bucketName}`;
const STATE_SIDS = [
  'ListTheStateBucket',
  'ReadTheStacksState',
  'WriteTheStacksStateAndLocks',
  'StateObjectsThroughS3',
  'DecryptTheStacksSecrets',
];
const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];

describe('the preview role', () => {
  it('reads its stack state, writes only its lock and decrypts its secrets, nothing else', () => {
    expect(previewPolicy(scope)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ListTheStateBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET },
        {
          Sid: 'ReadTheStacksState',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [
            `${BUCKET}/.pulumi/meta.yaml`,
            `${BUCKET}/.pulumi/stacks/savings-plan-buy/prod.json*`,
            `${BUCKET}/.pulumi/history/savings-plan-buy/prod/*`,
            `${BUCKET}/.pulumi/backups/savings-plan-buy/prod/*`,
            `${BUCKET}/.pulumi/locks/organization/savings-plan-buy/prod/*`,
          ],
        },
        {
          Sid: 'TakeAndReleaseTheStacksLock',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:DeleteObject'],
          Resource: `${BUCKET}/.pulumi/locks/organization/savings-plan-buy/prod/*`,
        },
        {
          Sid: 'StateObjectsThroughS3',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: scope.stateKeyArn,
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
        },
        {
          Sid: 'DecryptTheStacksSecrets',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: scope.secretsKeyArn,
        },
      ],
    });
  });
});

describe('the deploy role', () => {
  const statements = deployPolicy(scope).Statement;

  it('writes the state of its own stack only', () => {
    const write = statements.find((statement) => statement.Sid === 'WriteTheStacksStateAndLocks');
    expect(write).toEqual({
      Sid: 'WriteTheStacksStateAndLocks',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: [
        `${BUCKET}/.pulumi/stacks/savings-plan-buy/prod.json*`,
        `${BUCKET}/.pulumi/history/savings-plan-buy/prod/*`,
        `${BUCKET}/.pulumi/backups/savings-plan-buy/prod/*`,
        `${BUCKET}/.pulumi/locks/organization/savings-plan-buy/prod/*`,
      ],
    });
  });

  it("names the stack's prefix in every statement's resources, or says why not", () => {
    const outside = statements
      .filter((statement) => !STATE_SIDS.includes(statement.Sid))
      .filter((statement) =>
        list(statement.Resource).some((resource) => !resource.includes('savings-plan-buy-prod')),
      )
      .map((statement) => statement.Sid)
      .sort();
    expect(outside).toEqual(Object.keys(DEPLOY_EXCEPTIONS).sort());
  });

  it('allows no statement without a Sid, and every Sid once', () => {
    const sids = statements.map((statement) => statement.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('allows on "*" only actions that authorize no resource', () => {
    const onEverything = statements
      .filter((statement) => list(statement.Resource).includes('*'))
      .flatMap((statement) => list(statement.Action));
    expect(onEverything.filter((action) => !(action in ALL_RESOURCES_ALLOW_LIST))).toEqual([]);
  });

  it('cannot name the bootstrap: its roles, the OIDC provider, the state buckets', () => {
    const bootstrap = [
      'arn:aws:iam::777788889999:role/savings-plan-buy-deployer',
      'arn:aws:iam::777788889999:role/savings-plan-buy-previewer',
      'arn:aws:iam::777788889999:oidc-provider/token.actions.githubusercontent.com',
      'arn:aws:s3:::savings-plan-buy-pulumi-state-logs-777788889999',
    ];
    const named = statements.filter((statement) => !list(statement.Resource).includes('*'));
    const reaching = named.flatMap((statement) =>
      bootstrap
        .filter((arn) => list(statement.Resource).some((pattern) => wildcardMatches(pattern, arn)))
        .map((arn) => `${statement.Sid} ${arn}`),
    );
    expect(reaching).toEqual([]);
  });

  it('manages keys only when they carry the stack tags of the main project', () => {
    const keys = statements
      .filter((statement) =>
        list(statement.Action).some(
          (action) =>
            action.startsWith('kms:') &&
            action !== 'kms:CreateAlias' &&
            action !== 'kms:DeleteAlias' &&
            action !== 'kms:UpdateAlias',
        ),
      )
      .filter((statement) => !STATE_SIDS.includes(statement.Sid));
    expect(keys.map((statement) => [statement.Sid, statement.Condition])).toEqual([
      [
        'CreateTheStacksKeys',
        {
          StringEquals: {
            'aws:RequestTag/project': 'savings-plan-buy',
            'aws:RequestTag/stack': 'prod',
          },
        },
      ],
      [
        'ManageTheStacksKeys',
        {
          StringEquals: {
            'aws:ResourceTag/project': 'savings-plan-buy',
            'aws:ResourceTag/stack': 'prod',
          },
        },
      ],
    ]);
  });
});

describe('the trust policy', () => {
  it('compares the subject exactly, never with a pattern', () => {
    const trust = githubTrustPolicy(
      'arn:aws:iam::1:oidc-provider/x',
      { owner: 'acme', name: 'app' },
      'prod',
    );
    expect(trust.Statement.map((statement) => Object.keys(statement.Condition ?? {}))).toEqual([
      ['StringEquals'],
    ]);
    expect(JSON.stringify(trust)).not.toContain('*');
  });
});
