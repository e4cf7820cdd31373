/**
 * The pure parts of the send limits: how many parts an SMS is billed as (GSM-7 and UCS-2, single
 * and concatenated), which phones the allow-list lets through, and how a destination is counted
 * without appearing in a key. The counters themselves run against DynamoDB Local
 * (`test/integration/functions/send-limits.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_SETTINGS } from '#shared/notification-settings.ts';
import { smsParts } from '#domain/sms-parts.ts';
import { destinationPartition, smsCountryAllowed } from '../../../functions/lib/send-limits.ts';

describe('smsParts', () => {
  it('bills up to 160 GSM-7 characters as one part and 161 as two', () => {
    expect(smsParts('a'.repeat(160))).toBe(1);
    expect(smsParts('a'.repeat(161))).toBe(2);
  });

  it('bills concatenated GSM-7 messages at 153 characters a part', () => {
    expect(smsParts('a'.repeat(306))).toBe(2);
    expect(smsParts('a'.repeat(307))).toBe(3);
  });

  it('counts a GSM extension character such as € as two positions', () => {
    expect(smsParts(`${'a'.repeat(158)}€`)).toBe(1);
    expect(smsParts(`${'a'.repeat(159)}€`)).toBe(2);
  });

  it('bills a message with any character outside GSM-7 as UCS-2: 70 in one part, 67 a part beyond', () => {
    expect(smsParts('ł'.repeat(70))).toBe(1);
    expect(smsParts('ł'.repeat(71))).toBe(2);
    expect(smsParts('ł'.repeat(134))).toBe(2);
    expect(smsParts('ł'.repeat(135))).toBe(3);
    expect(smsParts(`${'a'.repeat(69)}ł`)).toBe(1);
    expect(smsParts(`${'a'.repeat(70)}ł`)).toBe(2);
  });

  it('counts an emoji as the two UTF-16 code units it is sent as', () => {
    expect(smsParts('😀'.repeat(35))).toBe(1);
    expect(smsParts(`${'😀'.repeat(35)}a`)).toBe(2);
  });
});

describe('smsCountryAllowed', () => {
  const settings = {
    ...DEFAULT_NOTIFICATION_SETTINGS,
    sms: { ...DEFAULT_NOTIFICATION_SETTINGS.sms, countries: ['DE', 'US'] },
  };

  it('lets through a phone of a listed country', () => {
    expect(smsCountryAllowed(settings, '+4915123456789')).toBe(true);
    expect(smsCountryAllowed(settings, '+12025550123')).toBe(true);
  });

  it('refuses a phone of a country not listed, even one sharing a listed calling code', () => {
    expect(smsCountryAllowed(settings, '+33612345678')).toBe(false);
    // Jamaica is +1 876: not the United States.
    expect(smsCountryAllowed(settings, '+18765550123')).toBe(false);
  });

  it('refuses numbers of no country: premium and toll-free ranges, satellite networks', () => {
    expect(smsCountryAllowed(settings, '+19005550123')).toBe(false);
    expect(smsCountryAllowed(settings, '+881612345678')).toBe(false);
  });

  it('refuses every phone when the stack lists no country', () => {
    expect(smsCountryAllowed(DEFAULT_NOTIFICATION_SETTINGS, '+4915123456789')).toBe(false);
  });
});

describe('destinationPartition', () => {
  it('keys a destination by a digest: no address or number appears in it', () => {
    const partition = destinationPartition('SMS', '+4915123456789');
    expect(partition).toMatch(/^#destination#SMS#[0-9a-f]{64}$/);
    expect(partition).not.toContain('4915123456789');
  });

  it('counts an address whatever its case or surrounding spaces', () => {
    expect(destinationPartition('EMAIL', ' Paula@Example.com ')).toBe(
      destinationPartition('EMAIL', 'paula@example.com'),
    );
  });

  it('counts each channel apart', () => {
    expect(destinationPartition('EMAIL', 'x')).not.toBe(destinationPartition('SMS', 'x'));
  });
});
