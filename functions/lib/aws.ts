/**
 * SDK clients shared by the handlers, created once per execution environment and traced with
 * X-Ray through the handler's Powertools tracer. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables, which the local stack sets.
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
import type { Tracer } from '@aws-lambda-powertools/tracer';

function traced<Client extends object>(client: Client, tracer: Tracer | undefined): Client {
  return tracer === undefined ? client : tracer.captureAWSv3Client(client);
}

export function documentClient(tracer?: Tracer): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(traced(new DynamoDBClient({}), tracer), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function dynamodbStreamsClient(tracer?: Tracer): DynamoDBStreamsClient {
  return traced(new DynamoDBStreamsClient({}), tracer);
}

export function schedulerClient(tracer?: Tracer): SchedulerClient {
  return traced(new SchedulerClient({}), tracer);
}

export function eventBridgeClient(tracer?: Tracer): EventBridgeClient {
  return traced(new EventBridgeClient({}), tracer);
}

export function sfnClient(tracer?: Tracer): SFNClient {
  return traced(new SFNClient({}), tracer);
}

export function sqsClient(tracer?: Tracer): SQSClient {
  return traced(new SQSClient({}), tracer);
}

export function sesClient(tracer?: Tracer): SESv2Client {
  return traced(new SESv2Client({}), tracer);
}

/** AWS End User Messaging SMS (the API Pinpoint's SMS moved to). */
export function smsClient(tracer?: Tracer): PinpointSMSVoiceV2Client {
  return traced(new PinpointSMSVoiceV2Client({}), tracer);
}

/**
 * S3, in path style when an endpoint is configured (the local stand-in serves
 * `<endpoint>/<bucket>/<key>`; on AWS no endpoint is set and buckets are virtual hosts).
 */
export function s3Client(tracer?: Tracer): S3Client {
  return traced(
    new S3Client({ forcePathStyle: (process.env.AWS_ENDPOINT_URL_S3 ?? '') !== '' }),
    tracer,
  );
}

export function kmsClient(tracer?: Tracer): KMSClient {
  return traced(new KMSClient({}), tracer);
}

export function codeDeployClient(tracer?: Tracer): CodeDeployClient {
  return traced(new CodeDeployClient({}), tracer);
}

export function lambdaClient(tracer?: Tracer): LambdaClient {
  return traced(new LambdaClient({}), tracer);
}
