/**
 * The CloudWatch embedded metric format (EMF), read as CloudWatch Logs reads a Lambda's output:
 * a log line that is a JSON object with an `_aws.CloudWatchMetrics` directive becomes one
 * datapoint per metric, dimension set and value. Any other line is an ordinary log line.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { Datapoint } from './cloudwatch.ts';

interface Directive {
  readonly Namespace?: unknown;
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The datapoints of an EMF line, or null when the line is not EMF (it stays a log line). A
 * malformed directive yields no datapoint, as CloudWatch drops it; `fallbackTimestamp` stands in
 * for a missing `_aws.Timestamp`.
 */
export function parseEmfLine(line: string, fallbackTimestamp: number): Datapoint[] | null {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return null;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(document) || !isRecord(document._aws)) return null;
  const metadata = document._aws;
  if (!Array.isArray(metadata.CloudWatchMetrics)) return null;
  const timestamp =
    typeof metadata.Timestamp === 'number' && Number.isFinite(metadata.Timestamp)
      ? metadata.Timestamp
      : fallbackTimestamp;
  const datapoints: Datapoint[] = [];
  for (const directive of metadata.CloudWatchMetrics as Directive[]) {
    if (!isRecord(directive) || typeof directive.Namespace !== 'string') continue;
    const dimensionSets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [[]];
    const metrics = Array.isArray(directive.Metrics) ? directive.Metrics : [];
    for (const set of dimensionSets) {
      if (!Array.isArray(set)) continue;
      const dimensions: Record<string, string> = {};
      let complete = true;
      for (const name of set) {
        const value = typeof name === 'string' ? document[name] : undefined;
        if (typeof value !== 'string') complete = false;
        else dimensions[name as string] = value;
      }
      if (!complete) continue;
      for (const metric of metrics) {
        if (!isRecord(metric) || typeof metric.Name !== 'string') continue;
        const raw = document[metric.Name];
        const values = Array.isArray(raw) ? raw : [raw];
        for (const value of values) {
          if (typeof value !== 'number' || !Number.isFinite(value)) continue;
          datapoints.push({
            namespace: directive.Namespace,
            name: metric.Name,
            dimensions,
            timestamp,
            value,
            unit: typeof metric.Unit === 'string' ? metric.Unit : 'None',
          });
        }
      }
    }
  }
  return datapoints;
}
