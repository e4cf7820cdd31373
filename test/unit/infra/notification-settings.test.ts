/**
 * The stack-config key `notifications` (`shared/notification-settings.ts`): defaults for what a
 * stack leaves out, every bad value refused with a message that names the key and what it takes,
 * and the budget and alarm lines derived from the spend limit.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NotificationSettingsError,
  parseNotificationSettings,
  smsAlarmMicroUsd,
  smsBudgetMicroUsd,
} from '#shared/notification-settings.ts';

function refusal(raw: unknown): unknown {
  try {
    parseNotificationSettings(raw);
  } catch (error) {
    return error;
  }
  throw new Error('expected the settings to be refused');
}

function expectRefused(raw: unknown, message: string): void {
  const error = refusal(raw);
  expect(error).toBeInstanceOf(NotificationSettingsError);
  expect((error as Error).message).toBe(message);
}

describe('parseNotificationSettings', () => {
  it('gives a stack without the key every default: 25 emails and 10 SMS a day, 300 s, SMS nowhere', () => {
    const defaults = {
      dailyLimits: { EMAIL: 25, SMS: 10 },
      coalesceSeconds: 300,
      sms: {
        countries: [],
        monthlySpendLimitUsd: 1,
        budgetPercent: 90,
        alarmPercent: 75,
        maxPricePerPartMicroUsd: 100_000,
      },
    };
    expect(parseNotificationSettings(undefined)).toEqual(defaults);
    expect(parseNotificationSettings(null)).toEqual(defaults);
    expect(parseNotificationSettings({})).toEqual(defaults);
    expect(DEFAULT_NOTIFICATION_SETTINGS).toEqual(defaults);
  });

  it('takes each key given and defaults the rest', () => {
    expect(
      parseNotificationSettings({
        dailyLimits: { SMS: 3 },
        sms: { countries: ['FR', 'DE', 'FR'], maxPricePerPartUsd: '0.0875' },
      }),
    ).toEqual({
      dailyLimits: { EMAIL: 25, SMS: 3 },
      coalesceSeconds: 300,
      sms: {
        countries: ['DE', 'FR'],
        monthlySpendLimitUsd: 1,
        budgetPercent: 90,
        alarmPercent: 75,
        maxPricePerPartMicroUsd: 87_500,
      },
    });
  });

  it('reads the dev stack’s settings', () => {
    expect(
      parseNotificationSettings({
        dailyLimits: { EMAIL: 25, SMS: 10 },
        coalesceSeconds: 60,
        sms: {
          countries: ['AT', 'BE', 'CH', 'DE', 'ES', 'FR', 'GB', 'IE', 'IT', 'LU', 'NL', 'PT'],
          monthlySpendLimitUsd: 10,
          budgetPercent: 90,
          alarmPercent: 75,
          maxPricePerPartUsd: '0.12',
        },
      }).sms,
    ).toEqual({
      countries: ['AT', 'BE', 'CH', 'DE', 'ES', 'FR', 'GB', 'IE', 'IT', 'LU', 'NL', 'PT'],
      monthlySpendLimitUsd: 10,
      budgetPercent: 90,
      alarmPercent: 75,
      maxPricePerPartMicroUsd: 120_000,
    });
  });

  it('refuses keys it does not know, naming the known ones', () => {
    expectRefused(
      { dailyLimit: { SMS: 1 } },
      'notifications.dailyLimit is not a setting (known: dailyLimits, coalesceSeconds, sms)',
    );
    expectRefused(
      { dailyLimits: { PUSH: 1 } },
      'notifications.dailyLimits.PUSH is not a setting (known: EMAIL, SMS)',
    );
    expectRefused(
      { sms: { spendLimitUsd: 5 } },
      'notifications.sms.spendLimitUsd is not a setting (known: countries, monthlySpendLimitUsd, budgetPercent, alarmPercent, maxPricePerPartUsd)',
    );
  });

  it('refuses a value that is not a map where a map is expected', () => {
    expectRefused('10', 'notifications must be a map');
    expectRefused({ dailyLimits: [10] }, 'notifications.dailyLimits must be a map');
    expectRefused({ sms: 'DE' }, 'notifications.sms must be a map');
  });

  it('refuses limits and periods out of range or not whole numbers', () => {
    expectRefused(
      { dailyLimits: { EMAIL: 0 } },
      'notifications.dailyLimits.EMAIL must be a whole number from 1 to 1000',
    );
    expectRefused(
      { dailyLimits: { SMS: 2.5 } },
      'notifications.dailyLimits.SMS must be a whole number from 1 to 1000',
    );
    expectRefused(
      { coalesceSeconds: 901 },
      'notifications.coalesceSeconds must be a whole number from 0 to 900',
    );
    expectRefused(
      { sms: { monthlySpendLimitUsd: '10' } },
      'notifications.sms.monthlySpendLimitUsd must be a whole number from 1 to 1000000',
    );
    expectRefused(
      { sms: { budgetPercent: 101 } },
      'notifications.sms.budgetPercent must be a whole number from 1 to 100',
    );
    expectRefused(
      { sms: { alarmPercent: 0 } },
      'notifications.sms.alarmPercent must be a whole number from 1 to 100',
    );
  });

  it('refuses an alarm at or above the budget: the alarm must come before sending stops', () => {
    const message =
      'notifications.sms.alarmPercent must be below budgetPercent: the alarm comes before sending stops';
    expectRefused({ sms: { alarmPercent: 90 } }, message);
    expectRefused({ sms: { alarmPercent: 80, budgetPercent: 70 } }, message);
  });

  it('refuses countries that are not a list of countries phone numbers belong to', () => {
    expectRefused(
      { sms: { countries: 'DE' } },
      'notifications.sms.countries must be a list of ISO 3166-1 alpha-2 codes',
    );
    expectRefused(
      { sms: { countries: ['DE', 'UK'] } },
      'notifications.sms.countries: UK is not a country phone numbers are assigned to (ISO 3166-1 alpha-2, e.g. DE)',
    );
    expectRefused(
      { sms: { countries: ['de'] } },
      'notifications.sms.countries: de is not a country phone numbers are assigned to (ISO 3166-1 alpha-2, e.g. DE)',
    );
  });

  it('refuses a price per part that is not a decimal string of at most 10 US dollars above zero', () => {
    const shape =
      "notifications.sms.maxPricePerPartUsd must be a decimal string of US dollars with at most 6 decimals, e.g. '0.10'";
    expectRefused({ sms: { maxPricePerPartUsd: 0.1 } }, shape);
    expectRefused({ sms: { maxPricePerPartUsd: '0.1234567' } }, shape);
    expectRefused({ sms: { maxPricePerPartUsd: '-0.10' } }, shape);
    const range =
      'notifications.sms.maxPricePerPartUsd must be more than 0 and at most 10 US dollars';
    expectRefused({ sms: { maxPricePerPartUsd: '0.000000' } }, range);
    expectRefused({ sms: { maxPricePerPartUsd: '10.000001' } }, range);
    expect(
      parseNotificationSettings({ sms: { maxPricePerPartUsd: '10' } }).sms.maxPricePerPartMicroUsd,
    ).toBe(10_000_000);
  });
});

describe('the SMS budget and alarm', () => {
  it('are the budget and alarm shares of the spend limit, in micro-USD', () => {
    const { sms } = parseNotificationSettings({
      sms: { monthlySpendLimitUsd: 200, budgetPercent: 90, alarmPercent: 75 },
    });
    expect(smsBudgetMicroUsd(sms)).toBe(180_000_000);
    expect(smsAlarmMicroUsd(sms)).toBe(150_000_000);
  });

  it('puts the alarm below the budget for the defaults', () => {
    const { sms } = DEFAULT_NOTIFICATION_SETTINGS;
    expect([smsAlarmMicroUsd(sms), smsBudgetMicroUsd(sms)]).toEqual([750_000, 900_000]);
  });
});
