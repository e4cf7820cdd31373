/**
 * The SMS allow-list as the API applies it when a phone is set: SMS goes only to the countries
 * of `notifications.sms.countries`, and never to a number of no country (toll-free, premium,
 * satellite), which no allow-list can let through. The notifier and the contacts function check
 * again before each SMS.
 */
import { phoneCountry } from '#domain/phone-country.ts';

/** Why SMS cannot go to `phone` (E.164), or null when its country is among `countries`. */
export function smsCountryProblem(phone: string, countries: readonly string[]): string | null {
  const country = phoneCountry(phone);
  if (country === null) {
    return `${phone} belongs to no country (toll-free, premium or satellite numbers are not accepted)`;
  }
  if (countries.indexOf(country) < 0) {
    const served = countries.length > 0 ? countries.join(', ') : 'no country';
    return `${phone} is in ${country}, where this service does not send SMS; SMS goes to ${served}`;
  }
  return null;
}
