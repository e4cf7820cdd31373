/**
 * Sending one message: an email through SES v2 or a text message through End User Messaging SMS,
 * from the stack's own identities. The notifier and the contacts function (codes) both send
 * through here, so both send the same way: SMS always under the stack's protect configuration
 * (whose country rules allow only the stack's countries) when one is configured.
 *
 * Whether a failure means "surely not sent" is the caller's to decide with {@link answered}.
 */
import {
  SendTextMessageCommand,
  type PinpointSMSVoiceV2Client,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { NotificationChannel } from '#domain/notifications.ts';

/** One message in the forms it is sent in (a subset of `domain/notifications.ts` Message). */
export interface Deliverable {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly sms: string;
}

export interface DeliveryContext {
  readonly ses: SESv2Client;
  readonly sms: PinpointSMSVoiceV2Client;
  /** The sender address (`EMAIL_FROM`). */
  readonly emailFrom: string;
  /** The origination identity SMS is sent from; empty: SMS is off. */
  readonly smsOrigination: string;
  /** The protect configuration every SMS is sent under; empty: none configured. */
  readonly smsProtectConfigurationId: string;
}

const HEADER_NAMES: Record<string, string> = {
  event: 'Event',
  planId: 'Plan-Id',
  executionId: 'Execution-Id',
  userId: 'User-Id',
};

/** SES tag values allow only letters, digits, `_` and `-`. */
const tagValue = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Sends `message` to `to` on `channel`, with `tags` as SES message tags and `X-Savings-*` headers
 * (email) or SMS context entries; answers the provider's message id. Email tags come back on
 * SES's bounce and complaint events: `userId` is how a bounce finds the user's preferences.
 */
export async function deliver(
  context: DeliveryContext,
  channel: NotificationChannel,
  to: string,
  message: Deliverable,
  tags: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  if (channel === 'EMAIL') {
    const { MessageId } = await context.ses.send(
      new SendEmailCommand({
        FromEmailAddress: context.emailFrom,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
            Headers: Object.entries(tags).map(([name, value]) => ({
              Name: `X-Savings-${HEADER_NAMES[name] ?? name}`,
              Value: value,
            })),
          },
        },
        EmailTags: Object.entries(tags).map(([Name, Value]) => ({ Name, Value: tagValue(Value) })),
      }),
    );
    return MessageId;
  }
  const { MessageId } = await context.sms.send(
    new SendTextMessageCommand({
      DestinationPhoneNumber: to,
      MessageBody: message.sms,
      MessageType: 'TRANSACTIONAL',
      OriginationIdentity: context.smsOrigination,
      ...(context.smsProtectConfigurationId === ''
        ? {}
        : { ProtectConfigurationId: context.smsProtectConfigurationId }),
      Context: { ...tags },
    }),
  );
  return MessageId;
}

/** The error the provider answered with, if it answered: then nothing was sent. */
export function answered(error: unknown): { status: number; name: string } | null {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? { status, name: (error as Error).name } : null;
}

/** Whether a provider's answer means "try again later": throttled or unavailable. */
export function retryable(answer: { status: number; name: string }): boolean {
  return answer.status === 429 || answer.status >= 500 || /Throttl|TooMany/.test(answer.name);
}
