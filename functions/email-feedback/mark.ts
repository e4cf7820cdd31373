/**
 * Applies one SES bounce or complaint to the user it names: reads the preferences item (and the
 * sign-in email when no address is stored), decides with `markUndeliverable`, and writes the new
 * email contact conditional on the item's version, incrementing it, as every writer of the
 * preferences item does. A concurrent change of the preferences makes the write fail its
 * condition: the item is read again and the decision made again (the user may have changed the
 * address meanwhile), a few times, then the record fails and its queue brings it back.
 */
import { markUndeliverable, type EmailFeedback, type Unchanged } from '#domain/email-feedback.ts';
import type { ContactState } from '#shared/contacts.ts';

/** The parts of the preferences item this function reads. */
export interface StoredPreferences {
  readonly email?: string;
  readonly emailContact?: ContactState;
  readonly version: number;
}

/** Where the preferences live (DynamoDB in the function; a map in tests). */
export interface PreferencesStore {
  /** The user's preferences item, or undefined when the user never saved any. */
  preferences(userId: string): Promise<StoredPreferences | undefined>;
  /** The sign-in email kept on the user's meta item, or null. */
  signInEmail(userId: string): Promise<string | null>;
  /**
   * Sets `emailContact` and the next version if the item is still at `version` (null: creates
   * the item with the default rules when there is still none). Answers false when it was not.
   */
  writeContact(userId: string, contact: ContactState, version: number | null): Promise<boolean>;
}

/** What became of one recipient of a bounce or complaint. */
export type MarkOutcome = 'MARKED' | Unchanged | 'NO_USER';

/** The preferences changed under every attempt: the record fails and comes back. */
export class PreferencesContendedError extends Error {
  constructor(userId: string, attempts: number) {
    super(`the preferences of ${userId} changed under ${attempts} attempts to mark an address`);
    this.name = 'PreferencesContendedError';
  }
}

const ATTEMPTS = 3;

/** Applies `feedback` to each of its recipients; answers what became of each, in order. */
export async function applyFeedback(
  store: PreferencesStore,
  feedback: EmailFeedback,
  now: () => string,
): Promise<MarkOutcome[]> {
  const outcomes: MarkOutcome[] = [];
  for (const recipient of feedback.recipients) {
    outcomes.push(await applyToRecipient(store, feedback, recipient, now));
  }
  return outcomes;
}

async function applyToRecipient(
  store: PreferencesStore,
  feedback: EmailFeedback,
  recipient: string,
  now: () => string,
): Promise<MarkOutcome> {
  const { userId } = feedback;
  if (feedback.kind === 'TRANSIENT_BOUNCE') return 'TRANSIENT';
  if (userId === null) return 'NO_USER';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const stored = await store.preferences(userId);
    const address = stored?.email ?? (await store.signInEmail(userId));
    const next = markUndeliverable(stored?.emailContact, address, feedback, recipient, now());
    if ('unchanged' in next) return next.unchanged;
    if (await store.writeContact(userId, next.contact, stored?.version ?? null)) return 'MARKED';
  }
  throw new PreferencesContendedError(userId, ATTEMPTS);
}
