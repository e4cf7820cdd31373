/**
 * One Lambda event source mapping (an SQS queue or a DynamoDB stream), with exactly the settings
 * of its entry in `shared/topology.ts`: batch size, batching window, maximum concurrency, partial
 * batch responses and, for a stream, the starting position, bisecting, retries, maximum record age
 * and on-failure destination. The local stack reads the same entry (`local/wiring.ts`).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { EventSourceEntry } from '#shared/topology.ts';

export interface LambdaEventSourceArgs {
  readonly entry: EventSourceEntry;
  /** The queue's ARN, or the table's stream ARN. */
  readonly eventSourceArn: pulumi.Input<string>;
  readonly functionName: pulumi.Input<string>;
  /** A stream mapping's on-failure destination (the entry's `onFailure` queue). */
  readonly onFailureArn?: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The mapping's inputs for an entry: what the parity test expects the program to register. */
export function eventSourceMappingArgs(
  args: LambdaEventSourceArgs,
): aws.lambda.EventSourceMappingArgs {
  const { entry } = args;
  const common = {
    eventSourceArn: args.eventSourceArn,
    functionName: args.functionName,
    batchSize: entry.batchSize,
    ...(entry.maximumBatchingWindowSeconds === undefined
      ? {}
      : { maximumBatchingWindowInSeconds: entry.maximumBatchingWindowSeconds }),
    ...(entry.reportBatchItemFailures
      ? { functionResponseTypes: ['ReportBatchItemFailures'] }
      : {}),
    tags: args.tags,
  };
  if (entry.kind === 'queue') {
    return {
      ...common,
      ...(entry.maximumConcurrency === undefined
        ? {}
        : { scalingConfig: { maximumConcurrency: entry.maximumConcurrency } }),
    };
  }
  if (args.onFailureArn === undefined) {
    throw new Error(`a stream mapping needs its on-failure destination (${entry.onFailure})`);
  }
  return {
    ...common,
    startingPosition: entry.startingPosition,
    bisectBatchOnFunctionError: entry.bisectBatchOnFunctionError,
    maximumRetryAttempts: entry.maximumRetryAttempts,
    maximumRecordAgeInSeconds: entry.maximumRecordAgeSeconds,
    destinationConfig: { onFailure: { destinationArn: args.onFailureArn } },
  };
}

export class LambdaEventSource extends pulumi.ComponentResource {
  readonly mapping: aws.lambda.EventSourceMapping;

  /** `name` is the entry's key; the mapping keeps it (it was created at the root before). */
  constructor(name: string, args: LambdaEventSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:compute:LambdaEventSource', name, {}, opts);
    this.mapping = new aws.lambda.EventSourceMapping(name, eventSourceMappingArgs(args), {
      parent: this,
      ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }),
      aliases: [{ parent: pulumi.rootStackResource }],
    });
    this.registerOutputs({ uuid: this.mapping.uuid });
  }
}
