/**
 * Where a notification may go: each channel's destination and whether it is usable, by the rule
 * of `shared/contacts.ts`. A contact gets messages only when its state says VERIFIED for exactly
 * that destination, or when it is the sign-in email with no state of its own and the identity
 * provider verified it; an UNDELIVERABLE state for the destination always wins. What is not
 * usable is still recorded (HELD_BACK with the reason), never dropped: the caller decides that.
 *
 * Pure: the notifier reads the preferences item and the user's meta item and hands them in.
 */
import type { NotificationChannel, NotificationRule } from '#domain/notifications.ts';
import { CONTACT_ATTRIBUTE, type ContactFields, type ContactState } from '#shared/contacts.ts';

/** The preferences item (`#preferences`, notifications table), the fields read here. */
export interface StoredPreferences extends ContactFields {
  readonly email?: string;
  readonly phone?: string;
  readonly rules?: NotificationRule[];
}

/** The sign-in email, from the user's meta item (plans table, `#meta`). */
export interface SignInEmail {
  readonly address: string | null;
  /** `signInEmailVerified`: only `true` counts (absent or false: not verified). */
  readonly verified: boolean;
}

/** A channel's destination: usable, or held back for the reason given. */
export type Destination =
  | { readonly to: string; readonly usable: true }
  | {
      readonly to: string;
      readonly usable: false;
      readonly reason: 'NOT_VERIFIED' | 'UNDELIVERABLE';
    };

/** Addresses are compared case-insensitively: a bounce for `Paula@x` is a bounce for `paula@x`. */
function sameDestination(channel: NotificationChannel, a: string, b: string): boolean {
  return channel === 'EMAIL' ? a.trim().toLowerCase() === b.trim().toLowerCase() : a === b;
}

/** The state kept for `to`, or undefined when the state is about another destination or none. */
function stateFor(
  channel: NotificationChannel,
  stored: StoredPreferences | undefined,
  to: string,
): ContactState | undefined {
  const state = stored?.[CONTACT_ATTRIBUTE[channel]];
  return state !== undefined && sameDestination(channel, state.destination, to) ? state : undefined;
}

/**
 * Where `channel` sends to and whether it may: null when the channel has no destination at all
 * (no phone; no email stored and no sign-in email).
 */
export function destinationOf(
  channel: NotificationChannel,
  stored: StoredPreferences | undefined,
  signIn: SignInEmail,
): Destination | null {
  const given = channel === 'EMAIL' ? stored?.email : stored?.phone;
  const own = given !== undefined && given !== null && given.length > 0 ? given : null;
  const to = own ?? (channel === 'EMAIL' ? signIn.address : null);
  if (to === null || to.length === 0) return null;
  const state = stateFor(channel, stored, to);
  if (state?.status === 'UNDELIVERABLE') return { to, usable: false, reason: 'UNDELIVERABLE' };
  if (state?.status === 'VERIFIED') return { to, usable: true };
  // The sign-in email with no state of its own: the identity provider's word counts.
  const signInEmail = channel === 'EMAIL' && own === null;
  if (state === undefined && signInEmail && signIn.verified) return { to, usable: true };
  return { to, usable: false, reason: 'NOT_VERIFIED' };
}
