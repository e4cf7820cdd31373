/**
 * `domain/phone-country.ts`: the country an E.164 number belongs to, for the SMS allow-list.
 * Shared calling codes go deeper (NANP by area code, Kazakhstan inside `+7`), and numbers that
 * belong to no country (toll-free, premium, international networks) have none.
 */
import { describe, expect, it } from 'vitest';
import { phoneCountries, phoneCountry } from '#domain/phone-country.ts';

describe('phoneCountry', () => {
  it.each([
    ['+4915123456789', 'DE'],
    ['+447700900123', 'GB'],
    ['+33612345678', 'FR'],
    ['+35312345678', 'IE'],
  ])('gives %s to %s by its calling code', (phone, country) => {
    expect(phoneCountry(phone)).toBe(country);
  });

  it.each([
    ['+18765550123', 'JM'],
    ['+14165550123', 'CA'],
    ['+12025550123', 'US'],
    ['+17875550123', 'PR'],
  ])('splits +1 by area code: %s is %s', (phone, country) => {
    expect(phoneCountry(phone)).toBe(country);
  });

  it.each([
    ['+77012345678', 'KZ'],
    ['+76012345678', 'KZ'],
    ['+74951234567', 'RU'],
  ])('tells Kazakhstan from Russia inside +7: %s is %s', (phone, country) => {
    expect(phoneCountry(phone)).toBe(country);
  });

  it.each([
    ['+19005550123', 'NANP premium rate (900)'],
    ['+18005550123', 'NANP toll-free (800)'],
    ['+18885550123', 'NANP toll-free (888)'],
    ['+8821234567', 'international networks (+882)'],
    ['+8811234567', 'satellite (+881)'],
    ['+80012345678', 'international freephone (+800)'],
  ])('gives no country to %s: %s', (phone) => {
    expect(phoneCountry(phone)).toBe(null);
  });

  it.each([
    ['4915123456789', 'no plus'],
    ['+49 151 2345678', 'spaces'],
    ['+0491512345678', 'a leading zero'],
    ['+4915', 'too short'],
    ['+4915123456789012', 'more than 15 digits'],
    ['+1416555012', 'a NANP number of nine digits'],
    ['+11165550123', 'a NANP area code starting with 1'],
    ['', 'empty'],
  ])('gives no country to the malformed %s (%s)', (phone) => {
    expect(phoneCountry(phone)).toBe(null);
  });
});

describe('phoneCountries', () => {
  it('lists every country phoneCountry can answer, sorted, once each', () => {
    const countries = phoneCountries();
    expect(countries).toEqual([...new Set(countries)].sort());
    expect(
      ['DE', 'GB', 'JM', 'CA', 'US', 'KZ', 'RU', 'PR'].filter(
        (country) => !countries.includes(country),
      ),
    ).toEqual([]);
    expect(countries.every((country) => /^[A-Z]{2}$/.test(country))).toBe(true);
  });

  it('gives only countries it lists', () => {
    const numbers = ['+4915123456789', '+18765550123', '+77012345678', '+26212345678'];
    expect(numbers.map(phoneCountry).filter((country) => country === null)).toEqual([]);
    expect(
      numbers.map(phoneCountry).filter((country) => !phoneCountries().includes(country as string)),
    ).toEqual([]);
  });
});
