/**
 * What one message may cost before it is sent: the daily limits per user and per destination,
 * the hourly limit on codes per destination, the SMS allow-list and the platform's monthly SMS
 * budget (`shared/notification-settings.ts`). Every count is a conditional `ADD` in the
 * notifications table, so concurrent senders (the notifier's batches, the contacts function)
 * never pass a limit together; what one message took is given back when the provider answered
 * that it did not send it.
 *
 * Keys (`shared/contacts.ts`): the user's `#sent#<channel>#<day>` in the user's partition, the same
 * in the destination's partition `#destination#<channel>#<SHA-256 of the destination>` (no phone
 * number or address in a key), codes per hour there as `#codes#<channel>#<hour>`, and the month's
 * SMS spend in micro-USD as `#sms-spend#<month>` in `#platform`. Each expires (TTL) two days after
 * its window.
 */
import { createHash } from 'node:crypto';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { MAX_CODES_PER_HOUR } from '#domain/contact-verification.ts';
import { phoneCountry } from '#domain/phone-country.ts';
import { smsParts } from '#domain/sms-parts.ts';
import {
  DESTINATION_PARTITION_PREFIX,
  PLATFORM_PARTITION,
  codeCounterKey,
  sentCounterKey,
  smsSpendKey,
  type HeldBackReason,
} from '#shared/contacts.ts';
import {
  smsBudgetMicroUsd,
  type ContactChannel,
  type NotificationSettings,
} from '#shared/notification-settings.ts';

/** The metric the `sms-spend` alarm reads: the month's counted SMS spend after each send. */
export const SMS_SPEND_METRIC = 'SmsSpendMonthToDateMicroUsd';
/** The Powertools service (metric dimension `service`) the SMS spend is published under. */
export const SMS_SPEND_SERVICE = 'sms-budget';

export interface LimitContext {
  readonly dynamodb: DynamoDBDocumentClient;
  /** The notifications table. */
  readonly table: string;
  readonly settings: NotificationSettings;
  readonly now: () => Date;
}

/** One message about to be sent. */
export interface Allowance {
  readonly userId: string;
  readonly channel: ContactChannel;
  /** The address or E.164 number it goes to. */
  readonly destination: string;
  /** A verification code: it also counts against the destination's codes this hour. */
  readonly code?: boolean;
  /** For SMS: the message's text, whose parts count against the month's budget. */
  readonly smsText?: string;
}

/** Why a code is refused: the destination had {@link MAX_CODES_PER_HOUR} codes this hour. */
export type AllowanceRefusal = HeldBackReason | 'CODE_LIMIT';

/** What taking an allowance answered: `giveBack` undoes it when the message surely did not go. */
export type AllowanceResult =
  | { readonly allowed: true; readonly giveBack: () => Promise<void> }
  | { readonly allowed: false; readonly reason: AllowanceRefusal };

const DAY_SECONDS = 86_400;

/** A destination as it is counted: addresses are case-insensitive, phone numbers are E.164. */
function normalized(channel: ContactChannel, destination: string): string {
  return channel === 'EMAIL' ? destination.trim().toLowerCase() : destination.trim();
}

/** The partition of a destination's counters: no phone number or address appears in a key. */
export function destinationPartition(channel: ContactChannel, destination: string): string {
  const digest = createHash('sha256')
    .update(`${channel}:${normalized(channel, destination)}`)
    .digest('hex');
  return `${DESTINATION_PARTITION_PREFIX}${channel}#${digest}`;
}

/** The UTC day, hour and month of an instant, and when each window's counter may expire. */
function windows(now: Date) {
  const iso = now.toISOString();
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000;
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000;
  return {
    day: iso.slice(0, 10),
    hour: iso.slice(0, 13),
    month: iso.slice(0, 7),
    dayExpiresAt: dayStart + 3 * DAY_SECONDS,
    monthExpiresAt: monthEnd + 2 * DAY_SECONDS,
  };
}

/** Whether SMS may go to `phone`: its country is one the stack serves. */
export function smsCountryAllowed(settings: NotificationSettings, phone: string): boolean {
  const country = phoneCountry(phone);
  return country !== null && settings.sms.countries.includes(country);
}

const smsMetrics = new Metrics({ serviceName: SMS_SPEND_SERVICE });

function counterUpdate(
  table: string,
  key: { userId: string; sk: string },
  limit: number,
  expiresAt: number,
  by: 1 | -1,
) {
  return {
    TableName: table,
    Key: key,
    UpdateExpression: 'ADD #count :by SET expiresAt = :expiresAt',
    ...(by === 1 ? { ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit' } : {}),
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: {
      ':by': by,
      ':expiresAt': expiresAt,
      ...(by === 1 ? { ':limit': limit } : {}),
    },
  };
}

/**
 * Takes what one message costs from every limit it counts against, all or nothing: the user's
 * and the destination's day on the channel, for a code the destination's codes this hour, and
 * for SMS the allow-list and the month's budget. Refused: the first limit that is full, in that
 * order (COUNTRY_NOT_ALLOWED before anything is counted).
 */
export async function takeAllowance(
  context: LimitContext,
  allowance: Allowance,
): Promise<AllowanceResult> {
  const { dynamodb, table, settings } = context;
  const { userId, channel, destination } = allowance;
  if (channel === 'SMS' && !smsCountryAllowed(settings, destination)) {
    return { allowed: false, reason: 'COUNTRY_NOT_ALLOWED' };
  }
  const now = context.now();
  const window = windows(now);
  const limit = settings.dailyLimits[channel];
  const partition = destinationPartition(channel, destination);
  const sent = sentCounterKey(channel, window.day);
  const counters: {
    key: { userId: string; sk: string };
    limit: number;
    reason: AllowanceRefusal;
  }[] = [
    { key: { userId, sk: sent }, limit, reason: 'DAILY_LIMIT' },
    { key: { userId: partition, sk: sent }, limit, reason: 'DESTINATION_LIMIT' },
  ];
  if (allowance.code === true) {
    counters.push({
      key: { userId: partition, sk: codeCounterKey(channel, window.hour) },
      limit: MAX_CODES_PER_HOUR,
      reason: 'CODE_LIMIT',
    });
  }
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: counters.map((counter) => ({
          Update: counterUpdate(table, counter.key, counter.limit, window.dayExpiresAt, 1),
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const failed = (error.CancellationReasons ?? []).findIndex(
      (reason) => reason.Code === 'ConditionalCheckFailed',
    );
    const counter = counters[failed];
    if (counter === undefined) throw error;
    return { allowed: false, reason: counter.reason };
  }
  const giveBackCounters = async () => {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: counters.map((counter) => ({
          Update: counterUpdate(table, counter.key, counter.limit, window.dayExpiresAt, -1),
        })),
      }),
    );
  };
  if (channel !== 'SMS') return { allowed: true, giveBack: giveBackCounters };

  const cost = smsParts(allowance.smsText ?? '') * settings.sms.maxPricePerPartMicroUsd;
  const spendKey = { userId: PLATFORM_PARTITION, sk: smsSpendKey(window.month) };
  let spent: number;
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateCommand({
        TableName: table,
        Key: spendKey,
        UpdateExpression: 'ADD microUsd :cost SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(microUsd) OR microUsd <= :room',
        ExpressionAttributeValues: {
          ':cost': cost,
          ':room': smsBudgetMicroUsd(settings.sms) - cost,
          ':expiresAt': window.monthExpiresAt,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    spent = Number((Attributes as { microUsd?: number } | undefined)?.microUsd ?? cost);
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    await giveBackCounters();
    return { allowed: false, reason: 'SMS_BUDGET' };
  }
  smsMetrics.addMetric(SMS_SPEND_METRIC, MetricUnit.Count, spent);
  smsMetrics.publishStoredMetrics();
  return {
    allowed: true,
    giveBack: async () => {
      await giveBackCounters();
      await dynamodb.send(
        new UpdateCommand({
          TableName: table,
          Key: spendKey,
          UpdateExpression: 'ADD microUsd :refund',
          ExpressionAttributeValues: { ':refund': -cost },
        }),
      );
    },
  };
}
