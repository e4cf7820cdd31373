/**
 * The email-feedback function's logic against an in-memory preferences store: which address a
 * bounce or complaint marks, the version-conditional write, creating the item for a user who never
 * saved preferences, idempotence, and a preferences change racing the write.
 */
import { describe, expect, it } from 'vitest';
import { readFeedback, type EmailFeedback } from '#domain/email-feedback.ts';
import type { ContactState } from '#shared/contacts.ts';
import {
  applyFeedback,
  PreferencesContendedError,
  type PreferencesStore,
  type StoredPreferences,
} from '../../../functions/email-feedback/mark.ts';

const NOW = '2026-12-07T09:00:00.000Z';

function feedback(
  kind: 'Permanent' | 'Transient' | 'Complaint',
  userId: string | null = 'user-1',
): EmailFeedback {
  const mail = {
    messageId: 'ses-1',
    tags: userId === null ? {} : { userId: [userId] },
  };
  return readFeedback({
    source: 'aws.ses',
    time: '2026-12-07T08:00:05Z',
    detail:
      kind === 'Complaint'
        ? {
            eventType: 'Complaint',
            complaint: {
              complainedRecipients: [{ emailAddress: 'ada@example.org' }],
              complaintFeedbackType: 'abuse',
            },
            mail,
          }
        : {
            eventType: 'Bounce',
            bounce: {
              bounceType: kind,
              bounceSubType: 'General',
              bouncedRecipients: [{ emailAddress: 'ada@example.org' }],
            },
            mail,
          },
  });
}

/** A store over a map of items; `interfere` changes an item before the next write lands. */
class MemoryStore implements PreferencesStore {
  readonly items = new Map<string, StoredPreferences & Record<string, unknown>>();
  readonly signIn = new Map<string, string>();
  writes = 0;
  interfere: ((userId: string) => void) | null = null;

  async preferences(userId: string) {
    const item = this.items.get(userId);
    return item === undefined ? undefined : structuredClone(item);
  }

  async signInEmail(userId: string) {
    return this.signIn.get(userId) ?? null;
  }

  async writeContact(userId: string, contact: ContactState, version: number | null) {
    this.interfere?.(userId);
    this.writes += 1;
    const item = this.items.get(userId);
    if (version === null) {
      if (item !== undefined) return false;
      this.items.set(userId, { version: 1, rules: 'defaults', emailContact: contact });
      return true;
    }
    if (item?.version !== version) return false;
    this.items.set(userId, { ...item, emailContact: contact, version: version + 1 });
    return true;
  }
}

const undeliverable = (destination: string, reason: 'BOUNCE' | 'COMPLAINT', detail: string) => ({
  destination,
  status: 'UNDELIVERABLE',
  since: NOW,
  undeliverable: { reason, at: '2026-12-07T08:00:05Z', detail },
  codesSentAt: [],
});

describe('applyFeedback', () => {
  it('marks the stored address by a permanent bounce and increments the version', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'Ada@example.org', version: 4, rules: [] });

    expect(await applyFeedback(store, feedback('Permanent'), () => NOW)).toEqual(['MARKED']);
    expect(store.items.get('user-1')).toEqual({
      email: 'Ada@example.org',
      version: 5,
      rules: [],
      emailContact: undeliverable('Ada@example.org', 'BOUNCE', 'Permanent/General'),
    });
  });

  it('marks the sign-in email when no address is stored, creating the preferences item', async () => {
    const store = new MemoryStore();
    store.signIn.set('user-1', 'ada@example.org');

    expect(await applyFeedback(store, feedback('Complaint'), () => NOW)).toEqual(['MARKED']);
    expect(store.items.get('user-1')).toEqual({
      version: 1,
      rules: 'defaults',
      emailContact: undeliverable('ada@example.org', 'COMPLAINT', 'abuse'),
    });
  });

  it('does nothing when the user has changed the address since the email was sent', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'ada@new.example', version: 2 });
    store.signIn.set('user-1', 'ada@example.org');

    expect(await applyFeedback(store, feedback('Permanent'), () => NOW)).toEqual([
      'NOT_CURRENT_ADDRESS',
    ]);
    expect(store.items.get('user-1')).toEqual({ email: 'ada@new.example', version: 2 });
    expect(store.writes).toBe(0);
  });

  it('only counts a transient bounce', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'ada@example.org', version: 2 });

    expect(await applyFeedback(store, feedback('Transient'), () => NOW)).toEqual(['TRANSIENT']);
    expect(store.writes).toBe(0);
  });

  it('does nothing for mail that names no user', async () => {
    const store = new MemoryStore();
    expect(await applyFeedback(store, feedback('Permanent', null), () => NOW)).toEqual(['NO_USER']);
    expect(store.writes).toBe(0);
  });

  it('changes nothing more when the same event comes twice', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'ada@example.org', version: 1 });
    await applyFeedback(store, feedback('Permanent'), () => NOW);
    const once = structuredClone(store.items.get('user-1'));

    expect(
      await applyFeedback(store, feedback('Permanent'), () => '2026-12-07T10:00:00.000Z'),
    ).toEqual(['ALREADY_MARKED']);
    expect(store.items.get('user-1')).toEqual(once);
    expect(store.writes).toBe(1);
  });

  it('decides again on the preferences a concurrent change left, and marks nothing if the address changed', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'ada@example.org', version: 1 });
    store.interfere = (userId) => {
      store.interfere = null;
      store.items.set(userId, { email: 'ada@new.example', version: 2 });
    };

    expect(await applyFeedback(store, feedback('Permanent'), () => NOW)).toEqual([
      'NOT_CURRENT_ADDRESS',
    ]);
    expect(store.items.get('user-1')).toEqual({ email: 'ada@new.example', version: 2 });
  });

  it('fails the record when the preferences change under every attempt', async () => {
    const store = new MemoryStore();
    store.items.set('user-1', { email: 'ada@example.org', version: 1 });
    store.interfere = (userId) => {
      const item = store.items.get(userId);
      if (item !== undefined) store.items.set(userId, { ...item, version: item.version + 1 });
    };

    await expect(applyFeedback(store, feedback('Permanent'), () => NOW)).rejects.toEqual(
      new PreferencesContendedError('user-1', 3),
    );
    expect(store.writes).toBe(3);
  });
});
