/**
 * Where the notifier may send: a stored contact only once VERIFIED for exactly that destination,
 * the sign-in email on the identity provider's word, and never to an UNDELIVERABLE address.
 */
import { describe, expect, it } from 'vitest';
import type { ContactState } from '#shared/contacts.ts';
import { destinationOf, type SignInEmail } from '../../../../functions/notifier/contacts.ts';

const verifiedSignIn: SignInEmail = { address: 'paula@example.com', verified: true };
const unverifiedSignIn: SignInEmail = { address: 'paula@example.com', verified: false };
const state = (destination: string, status: ContactState['status']): ContactState => ({
  destination,
  status,
  since: '2027-09-01T00:00:00.000Z',
  codesSentAt: [],
});

describe('the sign-in email', () => {
  it('is usable when the identity provider verified it and it has no state of its own', () => {
    expect(destinationOf('EMAIL', undefined, verifiedSignIn)).toEqual({
      to: 'paula@example.com',
      usable: true,
    });
  });

  it('is held back as NOT_VERIFIED when the identity provider did not verify it', () => {
    expect(destinationOf('EMAIL', { rules: [] }, unverifiedSignIn)).toEqual({
      to: 'paula@example.com',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });

  it('follows its own state once it has one: pending until the code is entered', () => {
    const stored = { emailContact: state('paula@example.com', 'PENDING') };
    expect(destinationOf('EMAIL', stored, verifiedSignIn)).toEqual({
      to: 'paula@example.com',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });

  it('is held back as UNDELIVERABLE after a bounce, whatever the identity provider says', () => {
    const stored = { emailContact: state('Paula@Example.com', 'UNDELIVERABLE') };
    expect(destinationOf('EMAIL', stored, verifiedSignIn)).toEqual({
      to: 'paula@example.com',
      usable: false,
      reason: 'UNDELIVERABLE',
    });
  });

  it('is no destination when the user has none', () => {
    expect(destinationOf('EMAIL', undefined, { address: null, verified: false })).toBeNull();
  });
});

describe('a stored email', () => {
  it('is held back as NOT_VERIFIED while it has no state, even when the sign-in email is verified', () => {
    expect(destinationOf('EMAIL', { email: 'other@example.com' }, verifiedSignIn)).toEqual({
      to: 'other@example.com',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });

  it('is usable once VERIFIED for exactly that address', () => {
    const stored = {
      email: 'other@example.com',
      emailContact: state('other@example.com', 'VERIFIED'),
    };
    expect(destinationOf('EMAIL', stored, unverifiedSignIn)).toEqual({
      to: 'other@example.com',
      usable: true,
    });
  });

  it('is held back when the VERIFIED state is about the address it replaced', () => {
    const stored = {
      email: 'new@example.com',
      emailContact: state('old@example.com', 'VERIFIED'),
    };
    expect(destinationOf('EMAIL', stored, verifiedSignIn)).toEqual({
      to: 'new@example.com',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });
});

describe('a phone', () => {
  it('is held back as NOT_VERIFIED while PENDING', () => {
    const stored = {
      phone: '+4915123456789',
      phoneContact: state('+4915123456789', 'PENDING'),
    };
    expect(destinationOf('SMS', stored, verifiedSignIn)).toEqual({
      to: '+4915123456789',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });

  it('is usable once VERIFIED for exactly that number', () => {
    const stored = {
      phone: '+4915123456789',
      phoneContact: state('+4915123456789', 'VERIFIED'),
    };
    expect(destinationOf('SMS', stored, verifiedSignIn)).toEqual({
      to: '+4915123456789',
      usable: true,
    });
  });

  it('is held back when the VERIFIED state is about another number', () => {
    const stored = {
      phone: '+4915123456789',
      phoneContact: state('+4915100000000', 'VERIFIED'),
    };
    expect(destinationOf('SMS', stored, verifiedSignIn)).toEqual({
      to: '+4915123456789',
      usable: false,
      reason: 'NOT_VERIFIED',
    });
  });

  it('is no destination when none is stored', () => {
    expect(destinationOf('SMS', { rules: [] }, verifiedSignIn)).toBeNull();
  });
});
