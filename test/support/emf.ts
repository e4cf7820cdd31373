/**
 * Runs Lambda handlers in the test's own process and reads the metrics they publish: Powertools
 * writes each flush as one CloudWatch Embedded Metric Format line (to the global console when
 * `POWERTOOLS_DEV` is on), which these helpers catch and read back as CloudWatch would.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';

/** What one EMF line publishes: its namespace, dimensions and each metric's value. */
export interface EmfRecord {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, number | readonly number[]>>;
}

/**
 * The environment a handler module reads at import to publish EMF to the console: set it before
 * importing the handler. `service` is the function's full name, as deployed.
 */
export function emfEnvironment(service: string): void {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_SERVICE_NAME = service;
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'SavingsPlanBuy';
  process.env.POWERTOOLS_TRACE_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.AWS_LAMBDA_FUNCTION_NAME = service;
}

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

function isEmf(value: unknown): value is EmfLine {
  return typeof value === 'object' && value !== null && '_aws' in value;
}

function parseLine(line: unknown): EmfLine | null {
  if (typeof line !== 'string' || !line.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(line) as unknown;
    return isEmf(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function recordOf(line: EmfLine): EmfRecord[] {
  return line._aws.CloudWatchMetrics.map((directive) => ({
    namespace: directive.Namespace,
    dimensions: Object.fromEntries(
      directive.Dimensions.flat().map((name) => [name, String(line[name])]),
    ),
    values: Object.fromEntries(
      directive.Metrics.map((metric) => [metric.Name, line[metric.Name] as number | number[]]),
    ),
  }));
}

/**
 * Calls `run` and answers what it returned with every EMF record printed meanwhile; everything
 * else the console is given (the logger's lines) is collected as `logs`.
 */
export async function withEmf<T>(
  run: () => Promise<T>,
): Promise<{ result: T | undefined; error: unknown; emf: EmfRecord[]; logs: string[] }> {
  const emf: EmfRecord[] = [];
  const logs: string[] = [];
  const collect = (...args: unknown[]) => {
    const line = parseLine(args[0]);
    if (line === null) logs.push(args.map(String).join(' '));
    else emf.push(...recordOf(line));
  };
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(collect),
  );
  try {
    return { result: await run(), error: undefined, emf, logs };
  } catch (error) {
    return { result: undefined, error, emf, logs };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** A Lambda context for a handler called in-process. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2027/01/04/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
