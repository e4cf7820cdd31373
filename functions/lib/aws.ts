/**
 * SDK clients shared by the handlers, created once per execution environment. Endpoints come from
 * the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the local stack sets.
 *
 * No X-Ray SDK (Powertools Tracer): with `aws-xray-sdk-core`, `semver` and `cls-hooked` it was the
 * largest dependency of every bundle (about 125 KiB). Active tracing
 * stays on every function (`infra/components/lambda-function.ts`, the policy
 * `aws-lambda-function-enable-tracing`): Lambda itself records each invocation's segment
 * (initialization, invocation, overhead) and the SDK's recursion-detection middleware forwards the
 * trace header (`X-Amzn-Trace-Id`) on every AWS call, so traced services downstream join the trace
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html). What is lost: a subsegment per
 * AWS or HTTP call (which DynamoDB request or exchange call was slow) and the Tracer's cold-start
 * and service annotations; a slow invocation still shows in its segment and Lambda's Duration.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function dynamodbStreamsClient(): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({});
}

export function schedulerClient(): SchedulerClient {
  return new SchedulerClient({});
}

export function eventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({});
}

export function sfnClient(): SFNClient {
  return new SFNClient({});
}

export function sqsClient(): SQSClient {
  return new SQSClient({});
}

export function sesClient(): SESv2Client {
  return new SESv2Client({});
}

/** AWS End User Messaging SMS (the API Pinpoint's SMS moved to). */
export function smsClient(): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({});
}

/**
 * S3, in path style when an endpoint is configured (the local stand-in serves
 * `<endpoint>/<bucket>/<key>`; on AWS no endpoint is set and buckets are virtual hosts).
 */
export function s3Client(): S3Client {
  return new S3Client({ forcePathStyle: (process.env.AWS_ENDPOINT_URL_S3 ?? '') !== '' });
}

export function kmsClient(): KMSClient {
  return new KMSClient({});
}

export function codeDeployClient(): CodeDeployClient {
  return new CodeDeployClient({});
}

export function lambdaClient(): LambdaClient {
  return new LambdaClient({});
}
