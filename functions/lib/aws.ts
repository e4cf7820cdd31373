/**
 * SDK clients shared by the handlers, created once per execution environment. Endpoints come
 * from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, which the local stack sets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';

export function documentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function schedulerClient(): SchedulerClient {
  return new SchedulerClient({});
}

export function eventBridgeClient(): EventBridgeClient {
  return new EventBridgeClient({});
}
