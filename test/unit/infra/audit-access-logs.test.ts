/**
 * The audit trail's access-log bucket on its own under Pulumi mocks: a bucket may log into it only
 * under a prefix its policy grants (S3 would deliver nothing anywhere else).
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessLogBucket } from '../../../infra/components/audit-trail/access-log-bucket.ts';
import { ACCOUNT, REGION, runComponent, type ComponentRun } from './component-harness.ts';

const P = 'savings-plan-buy-prod';
const ACCESS_LOGS = `${P}-s3-logs-${ACCOUNT}-${REGION}`;

let run: ComponentRun<AccessLogBucket>;

beforeAll(async () => {
  run = await runComponent(async () => {
    const { AccessLogBucket } =
      await import('../../../infra/components/audit-trail/access-log-bucket.ts');
    // Parts are children of the trail; any component stands in for it here.
    const trail = new pulumi.ComponentResource('savings:audit:AuditTrail', 'audit');
    return new AccessLogBucket(
      'audit',
      {
        bucketName: ACCESS_LOGS,
        loggedBuckets: [{ bucketName: `${P}-audit-${ACCOUNT}-${REGION}`, prefix: 'audit/' }],
        retentionDays: 2557,
        accountId: ACCOUNT,
        tags: {},
      },
      { parent: trail },
    );
  });
});

describe('access-log bucket', () => {
  it('gives a logged bucket its target and prefix, after the policy that lets S3 deliver there', async () => {
    const logging = run.component.loggingFor('audit/');
    expect({
      targetBucket: await run.value(pulumi.output(logging.targetBucket)),
      targetPrefix: logging.targetPrefix,
      dependsOn: await run.value(logging.dependsOn.urn),
    }).toEqual({
      targetBucket: ACCESS_LOGS,
      targetPrefix: 'audit/',
      dependsOn:
        'urn:pulumi:test::savings-plan-buy::savings:audit:AccessLogBucket$aws:s3/bucketPolicy:BucketPolicy::audit-access-logs-policy',
    });
  });

  it('refuses logging under a prefix its policy does not grant', () => {
    expect(() => run.component.loggingFor('trail/')).toThrow(
      'access logs under trail/ are not allowed by the access-log bucket',
    );
  });
});
