/**
 * Marks email addresses undeliverable: consumes the email-feedback queue, which the
 * `email-feedback` rule on the default bus feeds with SES's `Email Bounced` and
 * `Email Complaint Received` events (the notification email's configuration set publishes them).
 * A permanent bounce or a complaint about the user's current address sets its `emailContact` to
 * UNDELIVERABLE (`mark.ts`), and the notifier sends it nothing more until the user sets or
 * re-verifies an address. A transient bounce is only logged and counted.
 *
 * Partial batch failures: a record that is not an SES bounce or complaint fails, so after its
 * receives it waits in the dead-letter queue, where its alarm makes someone look; a record whose
 * write keeps failing comes back the same way.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { readFeedback, UnreadableFeedbackError } from '#domain/email-feedback.ts';
import { defaultPreferences } from '#domain/notifications.ts';
import type { ContactState } from '#shared/contacts.ts';
import { PREFERENCES_KEY, USER_META_ID } from '#shared/tables.ts';
import { documentClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import {
  applyFeedback,
  type MarkOutcome,
  type PreferencesStore,
  type StoredPreferences,
} from './mark.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment(['NOTIFICATIONS_TABLE', 'PLANS_TABLE']);
const dynamodb = documentClient();
const processor = new BatchProcessor(EventType.SQS);

/** The metric each outcome counts in (EMF, namespace and service as every function's). */
const OUTCOME_METRICS: Readonly<Record<MarkOutcome, string>> = {
  MARKED: 'AddressesMarkedUndeliverable',
  ALREADY_MARKED: 'FeedbackAlreadyApplied',
  TRANSIENT: 'TransientBounces',
  NOT_CURRENT_ADDRESS: 'FeedbackForFormerAddresses',
  NO_USER: 'FeedbackWithoutUser',
};

/** The preferences item and the meta item in DynamoDB. */
const store: PreferencesStore = {
  async preferences(userId) {
    const { Item } = await dynamodb.send(
      new GetCommand({
        TableName: env.NOTIFICATIONS_TABLE,
        Key: { userId, sk: PREFERENCES_KEY },
        ConsistentRead: true,
      }),
    );
    return Item as StoredPreferences | undefined;
  },
  async signInEmail(userId) {
    const { Item } = await dynamodb.send(
      new GetCommand({
        TableName: env.PLANS_TABLE,
        Key: { userId, planId: USER_META_ID },
        ConsistentRead: true,
        ProjectionExpression: 'signInEmail',
      }),
    );
    const email = (Item as { signInEmail?: unknown } | undefined)?.signInEmail;
    return typeof email === 'string' && email !== '' ? email : null;
  },
  async writeContact(userId: string, contact: ContactState, version: number | null) {
    const now = new Date().toISOString();
    try {
      await dynamodb.send(
        version === null
          ? // No preferences yet: the item the resolvers would have written, with the contact.
            new UpdateCommand({
              TableName: env.NOTIFICATIONS_TABLE,
              Key: { userId, sk: PREFERENCES_KEY },
              UpdateExpression:
                'SET #contact = :contact, #rules = :rules, #version = :one, #updatedAt = :now',
              ConditionExpression: 'attribute_not_exists(userId)',
              ExpressionAttributeNames: {
                '#contact': 'emailContact',
                '#rules': 'rules',
                '#version': 'version',
                '#updatedAt': 'updatedAt',
              },
              ExpressionAttributeValues: {
                ':contact': contact,
                ':rules': defaultPreferences(null).rules,
                ':one': 1,
                ':now': now,
              },
            })
          : new UpdateCommand({
              TableName: env.NOTIFICATIONS_TABLE,
              Key: { userId, sk: PREFERENCES_KEY },
              UpdateExpression: 'SET #contact = :contact, #version = :next',
              ConditionExpression: '#version = :version',
              ExpressionAttributeNames: { '#contact': 'emailContact', '#version': 'version' },
              ExpressionAttributeValues: {
                ':contact': contact,
                ':version': version,
                ':next': version + 1,
              },
            }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  },
};

async function handleRecord(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new UnreadableFeedbackError('the message body is not JSON');
  }
  const feedback = readFeedback(body);
  const outcomes = await applyFeedback(store, feedback, () => new Date().toISOString());
  for (const outcome of outcomes) {
    metrics.addMetric(OUTCOME_METRICS[outcome], MetricUnit.Count, 1);
  }
  // No addresses in the log: the user id and SES's message id say which message it was.
  logger.info('email feedback applied', {
    kind: feedback.kind,
    detail: feedback.detail,
    userId: feedback.userId,
    sesMessageId: feedback.messageId,
    outcomes,
  });
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleRecord, processor, { context });
  } finally {
    flushMetrics(metrics);
  }
};
