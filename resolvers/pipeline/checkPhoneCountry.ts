/**
 * Pipeline step between loadPreferences and savePreferencesItem: when the change sets a new
 * phone, leaves in `ctx.stash.phoneProblem` why SMS may not go to its country (null: it may),
 * without raising, so that savePreferencesItem names every invalid field in one ValidationError.
 * A phone kept as it is passes: the notifier checks its country again before each SMS.
 *
 * It is a step of its own so that the table of calling codes and area codes is bundled here
 * alone (AppSync accepts at most 32 KiB of code per function, and savePreferencesItem with it
 * was at the project's budget). It never calls its data source (it returns early), so the
 * manifest grants it no action.
 */
import { runtime, type Context } from '@aws-appsync/utils';
import { settings } from '../lib/settings.ts';
import { smsCountryProblem } from '../lib/sms-countries.ts';
import type { LoadPreferencesStash } from './loadPreferences.ts';

export type PhoneCountryStash = LoadPreferencesStash & { phoneProblem: string | null };

type Args = { input: { phone?: string | null } };

export function request(ctx: Context<Args, PhoneCountryStash>): never {
  const phone = ctx.args.input.phone;
  const stored = ctx.stash.stored;
  const kept = stored && stored.phone ? stored.phone : null;
  ctx.stash.phoneProblem =
    typeof phone === 'string' && phone !== kept
      ? smsCountryProblem(phone, settings.smsCountries)
      : null;
  return runtime.earlyReturn(ctx.prev.result);
}

export function response(ctx: Context<Args>) {
  return ctx.prev.result;
}
