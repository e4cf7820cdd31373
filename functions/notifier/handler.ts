/**
 * Tells people what happened: consumes the notifications queue (events the bus's rule routes
 * there) and sends each event by email (SES v2) and SMS (End User Messaging SMS) as the user's
 * preferences say, recording every notification in the user's history.
 *
 * It consumes two queues: `notifications` (purchases, failures, missed runs) and
 * `plan-change-notifications`, whose delay lets a burst of plan changes settle first
 * (`coalesce.ts`: only the last change of a burst is told).
 *
 * Nothing goes to a contact its owner has not proved (`contacts.ts`), and nothing past the
 * limits (`functions/lib/send-limits.ts`: per user and per destination per day, the SMS
 * countries and the platform's SMS budget). What is not sent for those reasons is recorded in the
 * history as HELD_BACK with its reason, never dropped silently.
 *
 * Never twice: before sending, a notification's item is written with a condition, keyed by the
 * event's id and the channel; a redelivered event finds it and sends nothing (a held-back
 * notification takes the same key, so it too is recorded once). The claim is given
 * back only when the provider answered that it did not send (throttled, unavailable), with the
 * allowance it took, so the queue's retry sends it once. When no answer came at all, the notification stays UNCONFIRMED
 * rather than risk a second message.
 *
 * Partial batch failures: only the records that should be tried again come back.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { nextSlot, type ScheduleSpec } from '#domain/calendar.ts';
import { executionIdFor } from '#domain/ids.ts';
import {
  channelsFor,
  composeMessage,
  defaultPreferences,
  notificationEventOf,
  type Message,
  type NotificationChannel,
  type NotificationEvent,
  type NotificationPreferences,
} from '#domain/notifications.ts';
import { HELD_BACK_REASONS, type HeldBackReason } from '#shared/contacts.ts';
import { readNotificationSettings } from '#shared/notification-settings.ts';
import {
  NOTIFICATION_KEY_PREFIX,
  NOTIFICATION_TTL_DAYS,
  PREFERENCES_KEY,
  USER_META_ID,
} from '#shared/tables.ts';
import { BUS_EVENTS, busEntry, type NotificationSentDetail } from '#shared/bus-events.ts';
import { documentClient, eventBridgeClient, sesClient, smsClient } from '../lib/aws.ts';
import { answered, deliver, retryable, type DeliveryContext } from '../lib/delivery.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { takeAllowance, type LimitContext } from '../lib/send-limits.ts';
import { coalesced, type PlanNow } from './coalesce.ts';
import { destinationOf, type StoredPreferences } from './contacts.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment([
  'NOTIFICATIONS_TABLE',
  'PLANS_TABLE',
  'EVENT_BUS_NAME',
  'EMAIL_FROM',
  'NOTIFICATION_SETTINGS',
]);
const settings = readNotificationSettings(env.NOTIFICATION_SETTINGS);
/**
 * The origination identity SMS is sent from (the only one the role may use). Unset: SMS is not
 * configured on this stack, and SMS notifications are skipped, never sent from another identity.
 */
const smsOrigination = process.env.SMS_ORIGINATION_IDENTITY ?? '';
if (smsOrigination === '') {
  logger.warn('SMS is not configured (no SMS_ORIGINATION_IDENTITY): SMS notifications are skipped');
}
const dynamodb = documentClient();
const events = eventBridgeClient();
const ses = sesClient();
const sms = smsClient();
const delivery: DeliveryContext = {
  ses,
  sms,
  emailFrom: env.EMAIL_FROM,
  smsOrigination,
  smsProtectConfigurationId: process.env.SMS_PROTECT_CONFIGURATION_ID ?? '',
};
const limits: LimitContext = {
  dynamodb,
  table: env.NOTIFICATIONS_TABLE,
  settings,
  now: () => new Date(),
};
const processor = new BatchProcessor(EventType.SQS);

/** An EventBridge event as a rule delivers it to an SQS target. */
interface BusEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly time: string;
  readonly detail: Record<string, unknown> & { userId?: string; planId?: string };
}

interface PlanRecord extends PlanNow {
  readonly status: string;
  readonly schedule: ScheduleSpec;
  readonly lastRunAt?: string;
  readonly lastSlotAt?: string;
  readonly skipSlots?: string[];
}

/** Thrown for a record that can never be sent: it goes to the dead-letter queue, visibly. */
class UnreadableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableEventError';
  }
}

function parseEvent(record: SQSRecord): BusEvent {
  let event: BusEvent;
  try {
    event = JSON.parse(record.body) as BusEvent;
  } catch {
    throw new UnreadableEventError('the message body is not JSON');
  }
  if (
    typeof event.id !== 'string' ||
    typeof event['detail-type'] !== 'string' ||
    typeof event.time !== 'string' ||
    event.detail === null ||
    typeof event.detail !== 'object' ||
    typeof event.detail.userId !== 'string'
  ) {
    throw new UnreadableEventError('the message is not an EventBridge event about a user');
  }
  return event;
}

async function getItem<T>(table: string, key: Record<string, string>): Promise<T | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item as T | undefined;
}

/** Who the user is to the notifier: the preferences in force and where each channel goes. */
interface Recipient {
  readonly preferences: NotificationPreferences;
  readonly stored: StoredPreferences | undefined;
  readonly signIn: { readonly address: string | null; readonly verified: boolean };
}

/** The preferences in force: stored rules over the defaults, email from the sign-in otherwise. */
async function recipientOf(userId: string): Promise<Recipient> {
  const [stored, meta] = await Promise.all([
    getItem<StoredPreferences>(env.NOTIFICATIONS_TABLE, { userId, sk: PREFERENCES_KEY }),
    getItem<{ signInEmail?: string; signInEmailVerified?: boolean }>(env.PLANS_TABLE, {
      userId,
      planId: USER_META_ID,
    }),
  ]);
  const defaults = defaultPreferences(stored?.email ?? meta?.signInEmail ?? null);
  return {
    preferences: {
      email: defaults.email,
      phone: stored?.phone ?? null,
      rules: defaults.rules.map(
        (rule) => stored?.rules?.find((candidate) => candidate.event === rule.event) ?? rule,
      ),
    },
    stored,
    signIn: {
      address: meta?.signInEmail ?? null,
      verified: meta?.signInEmailVerified === true,
    },
  };
}

/** The plan the event is about, as it is now (one read serves the message and coalescing). */
async function planOf(event: BusEvent): Promise<PlanRecord | undefined> {
  return typeof event.detail.planId === 'string'
    ? getItem<PlanRecord>(env.PLANS_TABLE, {
        userId: event.detail.userId ?? '',
        planId: event.detail.planId,
      })
    : undefined;
}

/** The plan's zone and next run, as the plan is now (its re-arming may still be under way). */
function contextOf(
  event: BusEvent,
  plan: PlanRecord | undefined,
): { nextRunAt: string | null; timezone: string } {
  const detail = event.detail;
  const changed = detail as {
    new?: { schedule?: ScheduleSpec };
    old?: { schedule?: ScheduleSpec };
  };
  const timezone =
    plan?.schedule.timezone ??
    changed.new?.schedule?.timezone ??
    changed.old?.schedule?.timezone ??
    'UTC';
  if (plan === undefined || plan.status !== 'ACTIVE') return { nextRunAt: null, timezone };
  // The slot this event is about has run: the next one comes after it.
  const after = typeof detail.scheduledFor === 'string' ? detail.scheduledFor : plan.lastSlotAt;
  const next = nextSlot(plan.schedule, {
    notBefore: event.time,
    ...(after === undefined ? {} : { after }),
    ...(plan.lastRunAt === undefined ? {} : { lastRunAt: plan.lastRunAt }),
    ...(plan.skipSlots === undefined ? {} : { skip: plan.skipSlots }),
  });
  return { nextRunAt: next?.at ?? null, timezone };
}

/**
 * What makes an event the same event when it comes again, and when it happened. A plan change is
 * published at least once (a retried stream batch publishes it again, with a new event id), so
 * it is identified by plan, version and change instead.
 */
function identityOf(event: BusEvent): { id: string; time: string } {
  const detail = event.detail as { version?: unknown; change?: unknown; changedAt?: unknown };
  if (
    event['detail-type'] === BUS_EVENTS.PlanChanged.detailType &&
    typeof detail.version === 'number' &&
    typeof detail.change === 'string' &&
    typeof detail.changedAt === 'string'
  ) {
    return {
      id: `${String(event.detail.planId)}-v${detail.version}-${detail.change.toLowerCase()}`,
      time: detail.changedAt,
    };
  }
  return { id: event.id, time: event.time };
}

/** One notification: an event told on one channel to one destination. */
interface Notification {
  readonly event: BusEvent;
  readonly kind: NotificationEvent;
  readonly channel: NotificationChannel;
  readonly to: string;
  readonly message: Message;
}

/** What a notification's item and its `NotificationSent` event are keyed and tagged by. */
function identify({ event, channel }: Notification) {
  const userId = event.detail.userId ?? '';
  const planId = typeof event.detail.planId === 'string' ? event.detail.planId : null;
  const slot = typeof event.detail.scheduledFor === 'string' ? event.detail.scheduledFor : null;
  const executionId = planId !== null && slot !== null ? executionIdFor(planId, slot) : null;
  const { id: sourceId, time } = identityOf(event);
  return {
    userId,
    planId,
    slot,
    executionId,
    notificationId: `${sourceId}-${channel.toLowerCase()}`,
    key: { userId, sk: `${NOTIFICATION_KEY_PREFIX}${time}#${sourceId}#${channel}` },
  };
}

/**
 * Writes the notification's item unless it exists: SENDING (a claim before sending) or HELD_BACK
 * with its reason. False when it existed: the event was handled before and nothing is done.
 */
async function record(
  notification: Notification,
  outcome: { status: 'SENDING' } | { status: 'HELD_BACK'; reason: HeldBackReason },
): Promise<boolean> {
  const { event, kind, channel, to, message } = notification;
  const { planId, executionId, notificationId, key } = identify(notification);
  const now = new Date();
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: env.NOTIFICATIONS_TABLE,
        Item: {
          ...key,
          id: notificationId,
          event: kind,
          channel,
          to,
          ...(channel === 'EMAIL' ? { subject: message.subject } : {}),
          body: channel === 'EMAIL' ? message.text : message.sms,
          ...(planId === null ? {} : { planId }),
          ...(executionId === null ? {} : { executionId }),
          sourceEvent: event['detail-type'],
          ...outcome,
          sentAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + NOTIFICATION_TTL_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(sk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      logger.info('already notified', { eventId: event.id, channel });
      metrics.addMetric('NotificationsDeduplicated', MetricUnit.Count, 1);
      return false;
    }
    throw error;
  }
}

/** Tells the bus (and so the audit trail) what became of one notification. */
async function published(
  notification: Notification,
  status: NotificationSentDetail['status'],
  details: { providerMessageId?: string; reason?: HeldBackReason },
): Promise<void> {
  const { userId, planId, executionId, slot, notificationId } = identify(notification);
  metrics.addMetric(`Notifications${status}`, MetricUnit.Count, 1);
  await events.send(
    new PutEventsCommand({
      Entries: [
        busEntry(env.EVENT_BUS_NAME, 'NotificationSent', {
          userId,
          planId,
          executionId,
          scheduledFor: slot,
          event: notification.kind,
          channel: notification.channel,
          status,
          reason: details.reason ?? null,
          notificationId,
          sourceEventId: notification.event.id,
          providerMessageId: details.providerMessageId ?? null,
        }),
      ],
    }),
  );
}

/** Records a notification held back for `reason`, once; nothing is sent. */
async function holdBack(notification: Notification, reason: HeldBackReason): Promise<void> {
  if (!(await record(notification, { status: 'HELD_BACK', reason }))) return;
  await heldBack(notification, reason);
}

/** Logs, counts and publishes a notification recorded as held back. */
async function heldBack(notification: Notification, reason: HeldBackReason): Promise<void> {
  logger.info('notification held back', {
    eventId: notification.event.id,
    channel: notification.channel,
    reason,
  });
  metrics.addMetric(`NotificationsHeldBack_${reason}`, MetricUnit.Count, 1);
  await published(notification, 'HELD_BACK', { reason });
}

/** Whether a refusal is one a notification can meet (CODE_LIMIT is for codes only). */
const isHeldBackReason = (reason: string): reason is HeldBackReason =>
  (HELD_BACK_REASONS as readonly string[]).includes(reason);

/** Sends one notification once: claim, take its allowance, send, record the outcome. */
async function notify(notification: Notification): Promise<void> {
  const { kind, channel, to, message } = notification;
  const { userId, planId, executionId, key } = identify(notification);
  if (!(await record(notification, { status: 'SENDING' }))) return;

  const allowance = await takeAllowance(limits, {
    userId,
    channel,
    destination: to,
    ...(channel === 'SMS' ? { smsText: message.sms } : {}),
  });
  if (!allowance.allowed) {
    const reason = isHeldBackReason(allowance.reason) ? allowance.reason : 'DAILY_LIMIT';
    await dynamodb.send(
      new UpdateCommand({
        TableName: env.NOTIFICATIONS_TABLE,
        Key: key,
        UpdateExpression: 'SET #status = :status, reason = :reason',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': 'HELD_BACK', ':reason': reason },
      }),
    );
    await heldBack(notification, reason);
    return;
  }

  // SES's bounce and complaint events carry the tags back: how email-feedback finds the user.
  const tags: Record<string, string> = {
    event: kind,
    userId,
    ...(planId === null ? {} : { planId }),
    ...(executionId === null ? {} : { executionId }),
  };
  let status: NotificationSentDetail['status'];
  let providerMessageId: string | undefined;
  let failure: string | undefined;
  try {
    providerMessageId = await deliver(delivery, channel, to, message, tags);
    status = 'SENT';
  } catch (error) {
    const answer = answered(error);
    if (answer === null) {
      // No answer: the message may have gone out. Never risk sending it twice.
      status = 'UNCONFIRMED';
      failure = (error as Error).message;
      logger.error('the provider did not answer; not sending again', { error: error as Error });
    } else if (retryable(answer)) {
      // Surely not sent: give the claim and the allowance back so the queue's retry sends it once
      // (the claim first: should giving the allowance back fail, the retry still sends, and the
      // counters are one too high, the safe side).
      await dynamodb.send(
        new DeleteCommand({
          TableName: env.NOTIFICATIONS_TABLE,
          Key: key,
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sending': 'SENDING' },
        }),
      );
      await allowance.giveBack();
      throw error;
    } else {
      status = 'FAILED';
      failure = `${answer.name}: ${(error as Error).message}`;
      logger.warn('the provider refused the notification', { channel, error: error as Error });
    }
  }
  await dynamodb.send(
    new UpdateCommand({
      TableName: env.NOTIFICATIONS_TABLE,
      Key: key,
      UpdateExpression:
        failure === undefined
          ? 'SET #status = :status, providerMessageId = :id'
          : 'SET #status = :status, failure = :failure',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues:
        failure === undefined
          ? { ':status': status, ':id': providerMessageId ?? '' }
          : { ':status': status, ':failure': failure },
    }),
  );
  await published(notification, status, {
    ...(providerMessageId === undefined ? {} : { providerMessageId }),
  });
}

/** For a plan change: whether a later change of its burst is told instead (`coalesce.ts`). */
function supersededChange(event: BusEvent, plan: PlanRecord | undefined): boolean {
  if (event['detail-type'] !== BUS_EVENTS.PlanChanged.detailType) return false;
  const detail = event.detail as { change?: unknown; version?: unknown; changedAt?: unknown };
  if (typeof event.detail.planId !== 'string' || typeof detail.changedAt !== 'string') {
    return false;
  }
  return coalesced(
    {
      change: String(detail.change),
      version: typeof detail.version === 'number' ? detail.version : null,
      changedAt: detail.changedAt,
    },
    plan,
    settings.coalesceSeconds,
  );
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const event = parseEvent(record);
  const kind = notificationEventOf(event['detail-type']);
  if (kind === null) return;
  const userId = event.detail.userId ?? '';
  const recipient = await recipientOf(userId);
  const channels = channelsFor(recipient.preferences, kind);
  if (channels.length === 0) return;
  const plan = await planOf(event);
  const message = composeMessage(kind, event.detail as never, contextOf(event, plan));
  const superseded = supersededChange(event, plan);
  // Every channel gets its chance; one that must be tried again fails the record afterwards
  // (the others are not sent twice: their claims stand).
  const failures: unknown[] = [];
  for (const channel of channels) {
    const destination = destinationOf(channel, recipient.stored, recipient.signIn);
    if (destination === null) continue;
    if (channel === 'SMS' && smsOrigination === '') {
      logger.info('SMS not configured: skipping the SMS notification', { eventId: event.id });
      metrics.addMetric('NotificationsSkippedSmsNotConfigured', MetricUnit.Count, 1);
      continue;
    }
    const notification = { event, kind, channel, to: destination.to, message };
    try {
      if (!destination.usable) await holdBack(notification, destination.reason);
      else if (superseded) await holdBack(notification, 'COALESCED');
      else await notify(notification);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleRecord, processor, { context });
  } finally {
    flushMetrics(metrics);
  }
};
