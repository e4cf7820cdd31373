import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, isSet, list, peek, record, text } from '../../../lib/values.ts';

/** Service principals that invoke functions asynchronously (through a resource policy). */
const ASYNC_PRINCIPALS = new Set([
  'events.amazonaws.com',
  's3.amazonaws.com',
  'ses.amazonaws.com',
  'sns.amazonaws.com',
]);

/** A function's name from its name, ARN or qualified ARN. */
function functionName(reference: string): string {
  return reference.startsWith('arn:') ? (reference.split(':')[6] ?? reference) : reference;
}

/** The functions something in the stack invokes asynchronously, by name. */
function invokedAsynchronously(resources: readonly PolicyResource[]): Set<string> {
  const names = new Set<string>();
  const add = (reference: unknown) => {
    if (typeof reference === 'string' && reference.includes(':lambda:')) {
      names.add(functionName(reference));
    }
  };
  forEachKnown(resources, (resource) => {
    const props = resource.props;
    if (resource.isType(aws.scheduler.Schedule)) add(record(props.target)?.arn);
    if (resource.isType(aws.cloudwatch.EventTarget)) add(props.arn);
    if (resource.isType(aws.sns.TopicSubscription) && props.protocol === 'lambda')
      add(props.endpoint);
    if (resource.isType(aws.s3.BucketNotification)) {
      for (const target of list(props.lambdaFunctions)) add(record(target)?.lambdaFunctionArn);
    }
    if (resource.isType(aws.lambda.Permission) && ASYNC_PRINCIPALS.has(String(props.principal))) {
      const fn = text(props.function);
      if (fn !== undefined) names.add(functionName(fn));
    }
  });
  return names;
}

/** Functions whose asynchronous invocations have an on-failure destination, by name. */
function withFailureDestination(resources: readonly PolicyResource[]): Set<string> {
  const names = new Set<string>();
  forEachKnown(resources, (resource) => {
    if (!resource.isType(aws.lambda.FunctionEventInvokeConfig)) return;
    const destination = record(record(resource.props.destinationConfig)?.onFailure);
    const fn = text(resource.props.functionName);
    if (fn !== undefined && destination !== undefined && isSet(() => destination.destination)) {
      names.add(functionName(fn));
    }
  });
  return names;
}

/**
 * Lambda retries an asynchronous event twice and then drops it, unless an on-failure destination
 * (or a dead-letter queue) keeps it:
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 */
export const configureFailureDestination: PackStackPolicy = {
  name: 'aws-lambda-function-configure-failure-destination',
  description:
    'Checks that Lambda functions invoked asynchronously (schedules, EventBridge, SNS, S3) keep failed events in an on-failure destination or dead-letter queue.',
  enforcementLevel: 'advisory',
  remediationSteps:
    'Add an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure (or a deadLetterConfig on the function) that names a queue.',
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const invoked = invokedAsynchronously(args.resources);
    const kept = withFailureDestination(args.resources);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.lambda.Function)) return;
      const name = peek(() => text(resource.props.name));
      const fn = name.known && name.value !== undefined ? name.value : resource.name;
      if (!invoked.has(fn) || kept.has(fn)) return;
      if (isSet(() => record(resource.props.deadLetterConfig)?.targetArn)) return;
      reportViolation(
        `Lambda function ${fn} is invoked asynchronously and must keep the events it fails: add an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure (or a deadLetterConfig) that names a queue.`,
        resource.urn,
      );
    });
  },
};
