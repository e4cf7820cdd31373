/**
 * The generated list of IANA time zone names that resolvers validate `timezone` against: it is
 * what the generator produces today, it matches names exactly, and Lambdas can compute with every
 * name it lets through.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTimeZoneName, TIME_ZONE_NAMES } from '#domain/timezones.ts';
import { renderTimeZonesModule } from '../../../scripts/generate-timezones.ts';

function listedNames(): string[] {
  return Object.entries(TIME_ZONE_NAMES).flatMap(([area, rest]) =>
    rest.split(' ').map((name) => (area === '' ? name : `${area}/${name}`)),
  );
}

function computable(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

describe('domain/timezones.ts', () => {
  it('is exactly what scripts/generate-timezones.ts renders from the installed tzdata', async () => {
    const committed = readFileSync(
      new URL('../../../domain/timezones.ts', import.meta.url),
      'utf8',
    );
    expect(committed).toEqual(await renderTimeZonesModule());
  });

  it('lists every name once, separated by single spaces', () => {
    const names = listedNames();
    expect(names.filter((name) => name.length === 0)).toEqual([]);
    expect(new Set(names).size).toEqual(names.length);
  });

  it('lists only names that Intl can compute with, so Lambdas can schedule in them', () => {
    expect(listedNames().filter((name) => !computable(name))).toEqual([]);
  });

  it('accepts every name it lists', () => {
    expect(listedNames().filter((name) => !isTimeZoneName(name))).toEqual([]);
  });
});

describe('isTimeZoneName', () => {
  const accepted = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Sydney',
    'Asia/Kolkata',
    'Asia/Calcutta',
    'UTC',
    'Etc/UTC',
    'Etc/GMT+1',
    'America/Argentina/Buenos_Aires',
    'America/Indiana/Indianapolis',
  ];

  it.each(accepted)('accepts %j', (name) => {
    expect(isTimeZoneName(name)).toEqual(true);
  });

  const refused: [string, string][] = [
    ['a name in the wrong case', 'europe/berlin'],
    ['an area without a place', 'Europe/'],
    ['a place without an area', '/Berlin'],
    ['a place on its own', 'Berlin'],
    ['an empty name', ''],
    ['a trailing space', 'Europe/Berlin '],
    ['a leading space', ' Europe/Berlin'],
    ['two names', 'Europe/Berlin Europe/Paris'],
    ['two places of one area', 'Europe/Berlin Paris'],
    ['a subarea without a place', 'America/Argentina'],
    ['an area on its own', 'Europe'],
    ['a fixed offset', '+01:00'],
    ['the tz database placeholder Factory', 'Factory'],
    ['a made-up place', 'Europe/Atlantis'],
    ['an Object.prototype member', '__proto__'],
    ['an Object.prototype member', 'constructor'],
    ['an Object.prototype member', 'hasOwnProperty'],
    ['an Object.prototype member as an area', 'constructor/Berlin'],
    ['an Object.prototype member as an area', '__proto__/Berlin'],
  ];

  it.each(refused)('refuses %s (%j)', (_rule, name) => {
    expect(isTimeZoneName(name)).toEqual(false);
  });

  it('refuses a value that is not a string', () => {
    expect(isTimeZoneName(42 as unknown as string)).toEqual(false);
  });
});
