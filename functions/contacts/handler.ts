/**
 * AppSync Lambda data source of updateNotificationPreferences (issueCodes), verifyContact and
 * resendVerification: one-time codes that prove an email address or phone number (APPSYNC_JS has
 * no HMAC and no CSPRNG). The operations are in `contacts.ts`; this file binds them to DynamoDB,
 * the send limits, SES and End User Messaging SMS, and to logs and metrics.
 *
 * The code message is the only message that goes to an unverified contact, and it is not
 * recorded in the notifications history: it carries the code. Logs and metrics say which channel
 * and why, never the code or the destination.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { CRYPTO_RANDOMNESS } from '#domain/contact-verification.ts';
import { defaultPreferences } from '#domain/notifications.ts';
import { readNotificationSettings } from '#shared/notification-settings.ts';
import { PREFERENCES_KEY } from '#shared/tables.ts';
import { documentClient, sesClient, smsClient } from '../lib/aws.ts';
import { deliver, type DeliveryContext } from '../lib/delivery.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { takeAllowance } from '../lib/send-limits.ts';
import {
  handleContacts,
  parseRequest,
  type ContactChanges,
  type ContactsDependencies,
  type ContactsResponse,
  type PreferencesItem,
  type PreferencesStore,
} from './contacts.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment(['NOTIFICATIONS_TABLE', 'EMAIL_FROM', 'NOTIFICATION_SETTINGS']);
const settings = readNotificationSettings(env.NOTIFICATION_SETTINGS);
/** Unset: SMS is not configured on this stack, and no SMS code can be sent. */
const smsOrigination = process.env.SMS_ORIGINATION_IDENTITY ?? '';
const dynamodb = documentClient();
const delivery: DeliveryContext = {
  ses: sesClient(),
  sms: smsClient(),
  emailFrom: env.EMAIL_FROM,
  smsOrigination,
  smsProtectConfigurationId: process.env.SMS_PROTECT_CONFIGURATION_ID ?? '',
};
const now = () => new Date();

/** The preferences item in the notifications table, every write conditional on its version. */
const store: PreferencesStore = {
  async read(userId) {
    const { Item } = await dynamodb.send(
      new GetCommand({
        TableName: env.NOTIFICATIONS_TABLE,
        Key: { userId, sk: PREFERENCES_KEY },
        ConsistentRead: true,
      }),
    );
    return (Item as PreferencesItem | undefined) ?? null;
  },
  async write(userId, expectedVersion, changes: ContactChanges) {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = {
      ':version': (expectedVersion ?? 0) + 1,
      ':updatedAt': now().toISOString(),
    };
    const set = ['#version = :version', 'updatedAt = :updatedAt'];
    const remove: string[] = [];
    for (const [attribute, state] of Object.entries(changes)) {
      names[`#${attribute}`] = attribute;
      if (state === null) remove.push(`#${attribute}`);
      else {
        set.push(`#${attribute} = :${attribute}`);
        values[`:${attribute}`] = state;
      }
    }
    if (expectedVersion === null) {
      // A first item (resendVerification of the sign-in email): the rules in force are the
      // defaults, as the resolvers' `toPreferences` reads an item.
      set.push('#rules = :rules');
      names['#rules'] = 'rules';
      values[':rules'] = defaultPreferences(null).rules;
    } else {
      values[':expected'] = expectedVersion;
    }
    try {
      const { Attributes } = await dynamodb.send(
        new UpdateCommand({
          TableName: env.NOTIFICATIONS_TABLE,
          Key: { userId, sk: PREFERENCES_KEY },
          UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`,
          ConditionExpression:
            expectedVersion === null ? 'attribute_not_exists(userId)' : '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as PreferencesItem;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  },
};

const dependencies: ContactsDependencies = {
  store,
  takeAllowance: (allowance) =>
    takeAllowance({ dynamodb, table: env.NOTIFICATIONS_TABLE, settings, now }, allowance),
  deliver: (channel, to, message, tags) => deliver(delivery, channel, to, message, tags),
  smsAvailable: smsOrigination !== '',
  now,
  random: CRYPTO_RANDOMNESS,
  observe: (event) => {
    logger.info('contact verification', { ...event });
    if (event.reason === undefined) {
      metrics.addMetric(event.metric, MetricUnit.Count, 1);
    } else {
      const single = metrics.singleMetric();
      single.addDimension('reason', event.reason);
      single.addMetric(event.metric, MetricUnit.Count, 1);
    }
  },
};

export const handler = async (event: unknown, context: Context): Promise<ContactsResponse> => {
  logger.addContext(context);
  try {
    const request = parseRequest(event);
    logger.appendKeys({ operation: request.operation });
    return await handleContacts(dependencies, request);
  } finally {
    logger.removeKeys(['operation']);
    flushMetrics(metrics);
  }
};
