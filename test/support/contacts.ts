/**
 * Test helpers for contact verification: the notifier sends only to a contact whose state is
 * VERIFIED for exactly its destination (`shared/contacts.ts`), so a test that is not about
 * verification proves the user's contacts first. The state is written directly into the
 * preferences item, as the contacts function writes it once the right code is entered.
 */
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { LocalStack } from '#local/stack.ts';
import { CONTACT_ATTRIBUTE, type ContactState } from '#shared/contacts.ts';
import type { ContactChannel } from '#shared/notification-settings.ts';
import { NOTIFICATION_KEY_PREFIX, notificationsTable, PREFERENCES_KEY } from '#shared/tables.ts';

function documents(stack: LocalStack): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(stack.dynamodb);
}

/**
 * Marks the user's stored email and phone VERIFIED, each for exactly its destination (a channel
 * without a stored contact is left alone: the sign-in email follows `email_verified`). Call it
 * after the preferences are saved. Answers the channels it marked.
 */
export async function verifyContacts(
  stack: LocalStack,
  userId: string,
  at: Date = new Date(stack.clock.now()),
): Promise<ContactChannel[]> {
  const client = documents(stack);
  const table = stack.tableNames[notificationsTable.name] as string;
  const key = { userId, sk: PREFERENCES_KEY };
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  const stored = Item as { email?: string; phone?: string } | undefined;
  const contacts: [ContactChannel, string | undefined][] = [
    ['EMAIL', stored?.email],
    ['SMS', stored?.phone],
  ];
  const marked: ContactChannel[] = [];
  for (const [channel, destination] of contacts) {
    if (destination === undefined || destination === '') continue;
    await setContactState(stack, userId, channel, {
      destination,
      status: 'VERIFIED',
      since: at.toISOString(),
      verifiedAt: at.toISOString(),
      codesSentAt: [],
    });
    marked.push(channel);
  }
  return marked;
}

/** Writes one channel's contact state on the user's preferences item (which must exist). */
export async function setContactState(
  stack: LocalStack,
  userId: string,
  channel: ContactChannel,
  state: ContactState,
): Promise<void> {
  await documents(stack).send(
    new UpdateCommand({
      TableName: stack.tableNames[notificationsTable.name] as string,
      Key: { userId, sk: PREFERENCES_KEY },
      UpdateExpression: 'SET #contact = :state',
      ConditionExpression: 'attribute_exists(userId)',
      ExpressionAttributeNames: { '#contact': CONTACT_ATTRIBUTE[channel] },
      ExpressionAttributeValues: { ':state': state },
    }),
  );
}

/** One notification of the history, as the notifier recorded it. */
export interface RecordedNotification {
  readonly id: string;
  readonly event: string;
  readonly channel: ContactChannel;
  readonly to: string;
  readonly planId?: string;
  readonly status: string;
  readonly reason?: string;
}

/**
 * The user's notification history as stored (the notifications table, newest last), for
 * assertions on what GraphQL may not show yet, such as a held-back notification's reason.
 */
export async function recordedNotifications(
  stack: LocalStack,
  userId: string,
): Promise<RecordedNotification[]> {
  const items: RecordedNotification[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents(stack).send(
      new QueryCommand({
        TableName: stack.tableNames[notificationsTable.name] as string,
        KeyConditionExpression: 'userId = :user AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':user': userId, ':prefix': NOTIFICATION_KEY_PREFIX },
        ConsistentRead: true,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    items.push(...((page.Items ?? []) as RecordedNotification[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** What the local outbox holds for `to` (an address or a phone number), oldest first. */
export function sentTo(stack: LocalStack, to: string): OutboxMessage[] {
  return stack.outbox.messages().filter((message) => message.to === to);
}

/** The six digits of the newest verification code sent to `to`, as its owner reads them. */
export function latestCode(stack: LocalStack, to: string): string {
  const codes = sentTo(stack, to).filter((message) => message.event === 'CONTACT_VERIFICATION');
  const code = /\b(\d{6})\b/.exec(codes.at(-1)?.body ?? '')?.[1];
  if (code === undefined) throw new Error(`no code was sent to ${to}`);
  return code;
}
