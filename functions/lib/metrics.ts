/** Metrics helpers shared by the handlers. */
import type { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Publishes what the invocation recorded, if anything: an invocation that had nothing to count
 * (a duplicate answered from the idempotency record) emits nothing rather than a warning.
 */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
