/**
 * The monthly audit report, run daily by a recurring schedule: for every calendar month (UTC)
 * that ended more than an hour ago and has no report yet, from the first month with audit records
 * on, reads the month's records from the audit bucket and writes `reports/YYYY-MM.md` and
 * `reports/YYYY-MM.csv` (`domain/audit-report.ts`) into it, under the bucket's Object Lock like
 * every record. Each report is written once (`If-None-Match: *`), so reruns and catch-up after an
 * outage are safe. `{"month": "YYYY-MM"}` writes one ended month only (operators, tests).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dayOfKey } from '#domain/audit-digest.ts';
import {
  buildMonthlyReport,
  monthDays,
  monthEvents,
  monthsBetween,
  reportCsv,
  reportKeys,
  reportMarkdown,
  AuditReportError,
} from '#domain/audit-report.ts';
import { s3Client } from '../lib/aws.ts';
import { s3AuditStore } from '../lib/audit-bucket.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment(['AUDIT_BUCKET']);
const store = s3AuditStore(s3Client(), env.AUDIT_BUCKET);

/** How long after a month ends its report is written: Firehose's buffer and retries. */
const REPORT_AFTER_MS = 60 * 60 * 1000;
/** At most this many months per run; the next run continues. */
const MAX_MONTHS_PER_RUN = 3;

export interface AuditReportEvent {
  readonly month?: string;
}

export interface AuditReportResult {
  readonly written: readonly string[];
}

/** The last month whose report may be written at `now`. */
export function lastReportableMonth(now: number): string {
  const date = new Date(now - REPORT_AFTER_MS);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1))
    .toISOString()
    .slice(0, 7);
}

export const handler = async (
  event: AuditReportEvent | null | undefined,
  context: Context,
): Promise<AuditReportResult> => {
  logger.addContext(context);
  try {
    const latest = lastReportableMonth(Date.now());
    let months: string[];
    if (event?.month !== undefined) {
      monthDays(event.month);
      if (event.month > latest) {
        throw new AuditReportError(
          `${event.month} has not ended: the latest month that has is ${latest}`,
        );
      }
      months = [event.month];
    } else {
      const firstDay = dayOfKey((await store.first('events/')) ?? '');
      if (firstDay === undefined || firstDay.slice(0, 7) > latest) return { written: [] };
      const reported = new Set(await store.list('reports/'));
      months = monthsBetween(firstDay.slice(0, 7), latest)
        .filter((month) => !reported.has(reportKeys(month).markdown))
        .slice(0, MAX_MONTHS_PER_RUN);
    }
    const written: string[] = [];
    for (const month of months) {
      const report = buildMonthlyReport(month, await monthEvents(store, month));
      const keys = reportKeys(month);
      // The CSV first: the Markdown report marks the month as done.
      await store.create(keys.csv, reportCsv(report));
      if (await store.create(keys.markdown, reportMarkdown(report))) written.push(month);
    }
    metrics.addMetric('AuditReportsWritten', MetricUnit.Count, written.length);
    if (written.length > 0) logger.info('audit reports written', { written });
    return { written };
  } finally {
    flushMetrics(metrics);
  }
};
