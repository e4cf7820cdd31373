/**
 * Seals the audit trail, run every hour by a recurring schedule: every UTC day that ended more
 * than an hour ago (Firehose buffers up to a minute; the hour is margin for its retries) and is
 * not sealed yet gets its digest (`digests/YYYY-MM-DD.json`: every object key under
 * `events/YYYY/MM/DD/` with its SHA-256, chained to the previous day's digest) and the audit
 * key's signature (`.sig`), as `domain/audit-digest.ts` defines them. `npm run audit:verify`
 * checks them.
 *
 * Idempotent and safe to run concurrently: digests and signatures are written once
 * (`If-None-Match: *`); a run after an outage catches up, at most 31 days per run.
 * `{"through": "YYYY-MM-DD"}` seals through an earlier day only (operators, tests).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { sealDays } from '#domain/audit-digest.ts';
import { kmsClient, s3Client } from '../lib/aws.ts';
import { kmsAuditSigner, s3AuditStore } from '../lib/audit-bucket.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment(['AUDIT_BUCKET', 'AUDIT_SIGNING_KEY_ARN']);
const store = s3AuditStore(s3Client(), env.AUDIT_BUCKET);
const sign = kmsAuditSigner(kmsClient(), env.AUDIT_SIGNING_KEY_ARN);

/** How long after a day ends it is sealed: Firehose's buffer and retries. */
export const SEAL_AFTER_MS = 60 * 60 * 1000;

export interface AuditDigestEvent {
  readonly through?: string;
}

export interface AuditDigestResult {
  readonly sealed: readonly string[];
}

/** Thrown for an event whose `through` is not a day, or not one that has ended. */
export class InvalidAuditDigestEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAuditDigestEventError';
  }
}

/** The last day that may be sealed at `now`: it ended at least {@link SEAL_AFTER_MS} ago. */
export function lastSealableDay(now: number): string {
  return new Date(now - SEAL_AFTER_MS - 86_400_000).toISOString().slice(0, 10);
}

export const handler = async (
  event: AuditDigestEvent | null | undefined,
  context: Context,
): Promise<AuditDigestResult> => {
  logger.addContext(context);
  try {
    const latest = lastSealableDay(Date.now());
    const through = event?.through ?? latest;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(through) || Number.isNaN(Date.parse(through))) {
      throw new InvalidAuditDigestEventError(
        `through must be a day such as 2026-12-01, not ${through}`,
      );
    }
    if (through > latest) {
      throw new InvalidAuditDigestEventError(
        `${through} cannot be sealed yet: the latest day that can is ${latest}`,
      );
    }
    const sealed = await sealDays(store, sign, through);
    metrics.addMetric('AuditDaysSealed', MetricUnit.Count, sealed.length);
    if (sealed.length > 0) logger.info('audit days sealed', { sealed });
    return { sealed };
  } finally {
    flushMetrics(metrics);
  }
};
