/** Reading SES's bounce and complaint events, and what they do to a user's email contact. */
import { describe, expect, it } from 'vitest';
import {
  markUndeliverable,
  readFeedback,
  UnreadableFeedbackError,
  type EmailFeedback,
} from '#domain/email-feedback.ts';
import type { ContactState } from '#shared/contacts.ts';

const NOW = '2026-12-07T09:00:00.000Z';

const mail = {
  timestamp: '2026-12-07T08:00:00.000Z',
  messageId: 'ses-message-1',
  destination: ['ada@example.org'],
  tags: { userId: ['user-1'], event: ['PURCHASE_SUCCEEDED'], 'ses:operation': ['SendEmail'] },
};

/** An SES event as the rule hands it to the queue. */
function sesEvent(detailType: string, detail: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: 'event-1',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '111122223333',
    time: '2026-12-07T08:00:05Z',
    region: 'eu-central-1',
    resources: [],
    detail,
  };
}

const bounce = (bounceType: string, bounceSubType: string) =>
  sesEvent('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType,
      bouncedRecipients: [{ emailAddress: 'ada@example.org', status: '5.1.1' }],
      timestamp: '2026-12-07T08:00:04.000Z',
    },
    mail,
  });

const complaint = sesEvent('Email Complaint Received', {
  eventType: 'Complaint',
  complaint: {
    complainedRecipients: [{ emailAddress: 'ada@example.org' }],
    timestamp: '2026-12-07T08:30:00.000Z',
    complaintFeedbackType: 'abuse',
  },
  mail,
});

describe('readFeedback', () => {
  it('reads a permanent bounce with its recipients, sub-type, time and the userId tag', () => {
    expect(readFeedback(bounce('Permanent', 'General'))).toEqual({
      kind: 'PERMANENT_BOUNCE',
      userId: 'user-1',
      recipients: ['ada@example.org'],
      detail: 'Permanent/General',
      at: '2026-12-07T08:00:04.000Z',
      messageId: 'ses-message-1',
    });
  });

  it('reads a transient bounce as transient', () => {
    expect(readFeedback(bounce('Transient', 'MailboxFull')).kind).toBe('TRANSIENT_BOUNCE');
  });

  it('reads an undetermined bounce as transient: only a permanent one is final', () => {
    expect(readFeedback(bounce('Undetermined', 'Undetermined')).kind).toBe('TRANSIENT_BOUNCE');
  });

  it('reads a complaint with its feedback type', () => {
    expect(readFeedback(complaint)).toEqual({
      kind: 'COMPLAINT',
      userId: 'user-1',
      recipients: ['ada@example.org'],
      detail: 'abuse',
      at: '2026-12-07T08:30:00.000Z',
      messageId: 'ses-message-1',
    });
  });

  it('reads a complaint without a feedback type, and takes the event time when SES gives none', () => {
    const bare = sesEvent('Email Complaint Received', {
      eventType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: 'ada@example.org' }] },
      mail,
    });
    expect(readFeedback(bare)).toMatchObject({ detail: 'complaint', at: '2026-12-07T08:00:05Z' });
  });

  it('reads mail without our tags as feedback about no user', () => {
    const untagged = sesEvent('Email Bounced', {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'ops@example.org' }],
      },
      mail: { ...mail, tags: { 'ses:operation': ['SendEmail'] } },
    });
    expect(readFeedback(untagged).userId).toBeNull();
  });

  it.each([
    ['not an object', 'bounce'],
    ['another source', { ...bounce('Permanent', 'General'), source: 'savings.plans' }],
    ['no mail', sesEvent('Email Bounced', { eventType: 'Bounce', bounce: {} })],
    ['a delivery', sesEvent('Email Delivered', { eventType: 'Delivery', delivery: {}, mail })],
    [
      'a bounce without recipients',
      sesEvent('Email Bounced', {
        eventType: 'Bounce',
        bounce: { bounceType: 'Permanent', bouncedRecipients: [] },
        mail,
      }),
    ],
    [
      'a recipient without an address',
      sesEvent('Email Complaint Received', {
        eventType: 'Complaint',
        complaint: { complainedRecipients: [{}] },
        mail,
      }),
    ],
  ])('refuses %s as unreadable', (_what, event) => {
    expect(() => readFeedback(event)).toThrow(UnreadableFeedbackError);
  });
});

describe('markUndeliverable', () => {
  const permanent = readFeedback(bounce('Permanent', 'General')) as EmailFeedback;
  const verified: ContactState = {
    destination: 'ada@example.org',
    status: 'VERIFIED',
    since: '2026-12-01T10:00:00.000Z',
    verifiedAt: '2026-12-01T10:00:00.000Z',
    codesSentAt: ['2026-12-01T09:58:00.000Z'],
  };

  it('marks the current address undeliverable by a bounce, keeping the codes sent', () => {
    expect(
      markUndeliverable(verified, 'ada@example.org', permanent, 'ada@example.org', NOW),
    ).toEqual({
      contact: {
        destination: 'ada@example.org',
        status: 'UNDELIVERABLE',
        since: NOW,
        undeliverable: {
          reason: 'BOUNCE',
          at: '2026-12-07T08:00:04.000Z',
          detail: 'Permanent/General',
        },
        codesSentAt: ['2026-12-01T09:58:00.000Z'],
      },
    });
  });

  it('marks a pending address by a complaint and drops its code', () => {
    const pending: ContactState = {
      destination: 'ada@example.org',
      status: 'PENDING',
      since: NOW,
      code: { hash: 'h', salt: 's', expiresAt: NOW, attempts: 0 },
      codesSentAt: [NOW],
    };
    expect(
      markUndeliverable(
        pending,
        'ada@example.org',
        readFeedback(complaint),
        'ada@example.org',
        NOW,
      ),
    ).toEqual({
      contact: {
        destination: 'ada@example.org',
        status: 'UNDELIVERABLE',
        since: NOW,
        undeliverable: { reason: 'COMPLAINT', at: '2026-12-07T08:30:00.000Z', detail: 'abuse' },
        codesSentAt: [NOW],
      },
    });
  });

  it('marks the sign-in email, which has no contact state of its own', () => {
    expect(
      markUndeliverable(undefined, 'Ada@Example.org', permanent, 'ada@example.org', NOW),
    ).toEqual({
      contact: {
        destination: 'Ada@Example.org',
        status: 'UNDELIVERABLE',
        since: NOW,
        undeliverable: {
          reason: 'BOUNCE',
          at: '2026-12-07T08:00:04.000Z',
          detail: 'Permanent/General',
        },
        codesSentAt: [],
      },
    });
  });

  it('leaves the contact alone on a transient bounce', () => {
    const transient = readFeedback(bounce('Transient', 'MailboxFull'));
    expect(
      markUndeliverable(verified, 'ada@example.org', transient, 'ada@example.org', NOW),
    ).toEqual({ unchanged: 'TRANSIENT' });
  });

  it('leaves the contact alone when the user has changed the address since', () => {
    expect(
      markUndeliverable(verified, 'ada@new.example', permanent, 'ada@example.org', NOW),
    ).toEqual({ unchanged: 'NOT_CURRENT_ADDRESS' });
  });

  it('leaves the contact alone when the user has no address at all', () => {
    expect(markUndeliverable(undefined, null, permanent, 'ada@example.org', NOW)).toEqual({
      unchanged: 'NOT_CURRENT_ADDRESS',
    });
  });

  it('changes nothing more when the address is already undeliverable', () => {
    const marked = markUndeliverable(
      verified,
      'ada@example.org',
      permanent,
      'ada@example.org',
      NOW,
    );
    if (!('contact' in marked)) throw new Error('expected a change');
    expect(
      markUndeliverable(
        marked.contact,
        'ada@example.org',
        readFeedback(complaint),
        'ADA@example.org',
        '2026-12-08T00:00:00.000Z',
      ),
    ).toEqual({ unchanged: 'ALREADY_MARKED' });
  });
});
