/**
 * Notifications: the message a person reads (email subject, plain text and HTML, and an SMS) for a
 * domain event on the bus, their default preferences and which channels an event goes out on.
 * (Changes to preferences are checked where they are made: `resolvers/lib/preferences.ts`.)
 *
 * Pure: no AWS SDK and no I/O. Amounts are formatted from integers (satoshis, fiat minor units)
 * with the decimal code of this folder, never through floating point; local times come from the
 * runtime's Intl tz data (read by `zoned-time.ts` with Temporal's rules), with English names for
 * days and months kept here so that the wording does not depend on the runtime's ICU version.
 */
import type {
  PlanChange,
  PlanRunMissedDetail,
  PlanSnapshot,
  PurchaseFailedDetail,
  PurchaseSucceededDetail,
} from '#shared/bus-events.ts';
import type { NotifyingEvent } from '#shared/events.ts';
import type { FailureCode } from '#shared/executions.ts';
import { CURRENCY_DIGITS } from './currencies.ts';
import { compareUnits, formatUnits, parseDecimal, subtractUnits } from './decimal.ts';
import { formatBtc } from './money.ts';
import {
  checkTimeZone,
  dateFields,
  type LocalFields,
  localFieldsAt,
  parseDate,
  parseInstant,
} from './zoned-time.ts';

/** The events a person can be notified of. */
export type NotificationEvent =
  'PURCHASE_SUCCEEDED' | 'PURCHASE_FAILED' | 'RUN_MISSED' | 'PLAN_CHANGED';

/** Every {@link NotificationEvent}, in the order preferences list them. */
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = [
  'PURCHASE_SUCCEEDED',
  'PURCHASE_FAILED',
  'RUN_MISSED',
  'PLAN_CHANGED',
];

/** How a person can be reached. */
export type NotificationChannel = 'EMAIL' | 'SMS';

/** Every {@link NotificationChannel}, in the order rules list them. */
export const NOTIFICATION_CHANNELS: readonly NotificationChannel[] = ['EMAIL', 'SMS'];

/** The event each detail-type that notifies is (the notifications rule routes exactly these). */
const EVENT_OF_DETAIL_TYPE: Readonly<Record<NotifyingEvent, NotificationEvent>> = {
  PurchaseSucceeded: 'PURCHASE_SUCCEEDED',
  PurchaseFailed: 'PURCHASE_FAILED',
  PlanRunMissed: 'RUN_MISSED',
  PlanChanged: 'PLAN_CHANGED',
};

/**
 * The notification event of an EventBridge detail-type, or null for one nobody is notified of
 * (`PurchaseSkipped`: the user skipped, paused or deleted the plan themselves).
 */
export function notificationEventOf(detailType: string): NotificationEvent | null {
  return Object.hasOwn(EVENT_OF_DETAIL_TYPE, detailType)
    ? EVENT_OF_DETAIL_TYPE[detailType as NotifyingEvent]
    : null;
}

/** The detail each event carries. */
export interface NotificationDetails {
  PURCHASE_SUCCEEDED: PurchaseSucceededDetail;
  PURCHASE_FAILED: PurchaseFailedDetail;
  RUN_MISSED: PlanRunMissedDetail;
  PLAN_CHANGED: PlanChange;
}

/** What a message needs that its event does not carry: the plan as it is when the message is sent. */
export interface MessageContext {
  /** The plan's next run, an ISO instant, or null when none is scheduled. */
  readonly nextRunAt: string | null;
  /** The IANA zone every instant of the message is shown in: the plan's. */
  readonly timezone: string;
}

/** One message in every form it is sent in. */
export interface Message {
  /** One line, no line breaks. */
  readonly subject: string;
  readonly text: string;
  /** A complete HTML document; every value in it is escaped. */
  readonly html: string;
  /** Plain text of at most {@link SMS_MAX_LENGTH} characters. */
  readonly sms: string;
}

/** The longest SMS sent, in characters: two concatenated segments' worth. */
export const SMS_MAX_LENGTH = 320;

/** Thrown for an event detail or context that no truthful message can be written from. */
export class NotificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationError';
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function zonedAt(instant: string, timezone: string, what: string): LocalFields {
  const parsed = parseInstant(instant);
  if (parsed === undefined) {
    throw new NotificationError(
      `${what} must be an ISO instant with Z or an offset, got ${instant}`,
    );
  }
  try {
    checkTimeZone(timezone);
  } catch {
    throw new NotificationError(`timezone must be an IANA time zone name, got ${timezone}`);
  }
  return localFieldsAt(timezone, parsed.epochMs);
}

function dateWords(date: { dayOfWeek: number; day: number; month: number; year: number }): string {
  return `${WEEKDAYS[date.dayOfWeek - 1]} ${date.day} ${MONTHS[date.month - 1]} ${date.year}`;
}

/**
 * An instant as a person in `timezone` reads it, with the zone named so that nobody has to guess
 * it: `Monday 7 December 2026, 09:00 (Europe/Berlin)`.
 */
export function formatLocalTime(instant: string, timezone: string): string {
  const local = zonedAt(instant, timezone, 'an instant');
  return `${dateWords(local)}, ${two(local.hour)}:${two(local.minute)} (${timezone})`;
}

/** A plain date in words: `2026-12-31` -> `31 December 2026`. */
function formatPlainDate(text: string, what: string): string {
  const epochDay = parseDate(text);
  if (epochDay === undefined) {
    throw new NotificationError(`${what} must be a date written YYYY-MM-DD, got ${text}`);
  }
  const date = dateFields(epochDay);
  return `${date.day} ${MONTHS[date.month - 1]} ${date.year}`;
}

function ordinal(day: number): string {
  const tens = day % 100;
  if (tens >= 11 && tens <= 13) return `${day}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
  return `${day}${suffix}`;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** When a schedule runs, in words without its zone: `every Monday at 09:00`. */
function scheduleWords(schedule: PlanSnapshot['schedule']): string {
  const { frequency, timeOfDay, dayOfWeek, dayOfMonth } = schedule;
  if (typeof timeOfDay !== 'string' || !TIME.test(timeOfDay)) {
    throw new NotificationError(`schedule.timeOfDay must be HH:MM, got ${String(timeOfDay)}`);
  }
  const weekday = (): string => {
    if (!isIntegerIn(dayOfWeek, 1, 7)) {
      throw new NotificationError(`a ${frequency} schedule needs dayOfWeek 1 (Monday) to 7`);
    }
    return WEEKDAYS[dayOfWeek - 1] ?? '';
  };
  switch (frequency) {
    case 'DAILY':
      return `every day at ${timeOfDay}`;
    case 'WEEKLY':
      return `every ${weekday()} at ${timeOfDay}`;
    case 'BIWEEKLY':
      return `every other ${weekday()} at ${timeOfDay}`;
    case 'MONTHLY': {
      if (!isIntegerIn(dayOfMonth, 1, 31)) {
        throw new NotificationError('a MONTHLY schedule needs dayOfMonth 1 to 31');
      }
      // The calendar runs on a shorter month's last day; say so where it can happen.
      const shorter = dayOfMonth > 28 ? ' (or its last day, when shorter)' : '';
      return `on the ${ordinal(dayOfMonth)} of every month${shorter} at ${timeOfDay}`;
    }
    default:
      throw new NotificationError(`schedule.frequency must be DAILY, WEEKLY, BIWEEKLY or MONTHLY`);
  }
}

/** A schedule in words, with its zone: `every Monday at 09:00 (Europe/Berlin)`. */
export function describeSchedule(schedule: PlanSnapshot['schedule']): string {
  zonedAt('1970-01-01T00:00:00Z', schedule.timezone, 'an instant');
  return `${scheduleWords(schedule)} (${schedule.timezone})`;
}

/** A currency's minor-unit digits; a message in an unknown currency could not show amounts right. */
function digitsOf(currency: string): number {
  const digits =
    typeof currency === 'string' && Object.hasOwn(CURRENCY_DIGITS, currency)
      ? CURRENCY_DIGITS[currency]
      : undefined;
  if (digits === undefined) {
    throw new NotificationError(`currency must be a supported ISO 4217 code, got ${currency}`);
  }
  return digits;
}

/** A decimal string normalised to the currency's digits, in smallest units. */
function decimalUnits(text: string, currency: string, what: string): string {
  const parsed = parseDecimal(text, digitsOf(currency));
  if (!parsed.ok) throw new NotificationError(`${what} ${parsed.reason}, got ${text}`);
  return parsed.units;
}

const DIGIT_STRING = /^\d{1,30}$/;

function digitString(text: string, what: string): string {
  if (typeof text !== 'string' || !DIGIT_STRING.test(text)) {
    throw new NotificationError(`${what} must be a digit string, got ${String(text)}`);
  }
  return text;
}

/** `units` of `currency` as a person reads it: `25.00 EUR`. */
function money(units: string, currency: string): string {
  return `${formatUnits(units, digitsOf(currency))} ${currency}`;
}

function nonEmpty(text: unknown, what: string): string {
  if (typeof text !== 'string' || text.length === 0) {
    throw new NotificationError(`${what} must be a non-empty string`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A paragraph, or a bulleted list. */
type Block = string | readonly string[];

/** A message before rendering: plain strings only, escaped once, on the way to HTML. */
interface Draft {
  readonly subject: string;
  readonly blocks: readonly Block[];
  readonly sms: string;
}

const FOOTER =
  'You can choose which notifications you get, and how, in your notification settings.';

/** Cuts an SMS to {@link SMS_MAX_LENGTH} characters (code points) at a word, marking the cut. */
function fitSms(sms: string): string {
  const chars = Array.from(sms.replace(/\s+/g, ' ').trim());
  if (chars.length <= SMS_MAX_LENGTH) return chars.join('');
  const cut = chars.slice(0, SMS_MAX_LENGTH - 3).join('');
  const space = cut.lastIndexOf(' ');
  return `${space > SMS_MAX_LENGTH / 2 ? cut.slice(0, space) : cut}...`;
}

function render(draft: Draft): Message {
  const blocks = [...draft.blocks, FOOTER];
  const text = blocks
    .map((block) =>
      typeof block === 'string' ? block : block.map((item) => `- ${item}`).join('\n'),
    )
    .join('\n\n');
  const body = blocks
    .map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<ul>${block.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    )
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(draft.subject)}</title></head>`,
    `<body>\n${body}\n</body>`,
    '</html>',
  ].join('\n');
  return { subject: draft.subject, text: `${text}\n`, html, sms: fitSms(draft.sms) };
}

/** The sentence about the next run, shared by every kind of message. */
function nextRunSentence(context: MessageContext): string {
  return context.nextRunAt === null
    ? 'No further run is scheduled for this plan.'
    : `The next run is on ${formatLocalTime(context.nextRunAt, context.timezone)}.`;
}

function nextRunSms(context: MessageContext): string {
  return context.nextRunAt === null
    ? 'No further run is scheduled.'
    : `Next run: ${formatLocalTime(context.nextRunAt, context.timezone)}.`;
}

// ---------------------------------------------------------------------------------------------
// Purchases

function purchaseSucceeded(detail: PurchaseSucceededDetail, context: MessageContext): Draft {
  const { currency } = detail;
  const amountUnits = decimalUnits(detail.amount, currency, 'amount');
  const sats = BigInt(digitString(detail.btcAcquiredSats, 'btcAcquiredSats'));
  const spentUnits = BigInt(digitString(detail.spentMinor, 'spentMinor')).toString();
  const feeUnits = BigInt(digitString(detail.feeMinor, 'feeMinor')).toString();
  const priceUnits = decimalUnits(detail.averagePrice, currency, 'averagePrice');
  if (detail.status !== 'FILLED' && detail.status !== 'PARTIALLY_FILLED') {
    throw new NotificationError(
      `status must be FILLED or PARTIALLY_FILLED, got ${String(detail.status)}`,
    );
  }
  const btc = `${formatBtc(sats)} BTC`;
  const spent = money(spentUnits, currency);
  const fee = money(feeUnits, currency);
  const price = `${money(priceUnits, currency)} per BTC`;
  const slot = formatLocalTime(detail.scheduledFor, context.timezone);
  const figures = [
    `Bitcoin bought: ${btc}`,
    `Spent: ${spent}, fee included`,
    `Fee: ${fee}`,
    `Average price: ${price}, fee excluded`,
  ];
  if (detail.status === 'FILLED') {
    return {
      subject: `Bought ${btc} for ${spent}`,
      blocks: [
        `Your savings plan bought ${btc} for ${spent} in its run of ${slot}.`,
        figures,
        nextRunSentence(context),
      ],
      sms: `Bought ${btc} for ${spent} (fee ${fee}) at ${price}. ${nextRunSms(context)}`,
    };
  }
  // The workflow never records spending more than the amount; a rest of zero says so plainly.
  const restUnits =
    compareUnits(spentUnits, amountUnits) < 0 ? subtractUnits(amountUnits, spentUnits) : '0';
  const rest = money(restUnits, currency);
  const planned = money(amountUnits, currency);
  return {
    subject: `Bought ${btc} for ${spent} of ${planned}`,
    blocks: [
      `Your savings plan's run of ${slot} was only partly filled: the exchange could not fill the whole order. You bought ${btc} for ${spent} of the planned ${planned}.`,
      `The other ${rest} was not spent and stays in your account. It is not bought later.`,
      figures,
      nextRunSentence(context),
    ],
    sms: `Partly filled: bought ${btc} for ${spent} of ${planned}; the other ${rest} was not spent. ${nextRunSms(context)}`,
  };
}

/** A known failure in plain words: the subject's label, what went wrong, what the user can do. */
interface FailureWords {
  readonly label: string;
  readonly cause: string;
  readonly advice: string | null;
}

function failureWords(code: string, amount: string): FailureWords | null {
  // Declared codes only (a misspelt case fails the compiler); a newer code falls to the default.
  switch (code as FailureCode) {
    case 'INSUFFICIENT_FUNDS':
      return {
        label: 'not enough funds',
        cause: `Your account did not hold the ${amount} this purchase needed.`,
        advice: `Top up your account with at least ${amount} before the next run.`,
      };
    case 'BELOW_MINIMUM':
      return {
        label: 'below the exchange minimum',
        cause: `${amount} is less than the smallest order the exchange accepts.`,
        advice: "Raise the plan's amount so that its runs can buy.",
      };
    case 'MARKET_CLOSED':
      return {
        label: 'market closed',
        cause: 'The exchange was not taking orders for bitcoin at the time of this run.',
        advice: null,
      };
    case 'REJECTED':
      return {
        label: 'order refused',
        cause: 'The exchange refused the order, or cancelled it before any of it was filled.',
        advice: null,
      };
    case 'EXCHANGE_UNAVAILABLE':
      return {
        label: 'exchange unavailable',
        cause: 'The exchange could not be reached during the time this run was allowed to buy in.',
        advice: null,
      };
    case 'WINDOW_EXPIRED':
      return {
        label: 'too late to buy',
        cause:
          'The purchase could not be made soon enough after its scheduled time, and a purchase is never made late.',
        advice: null,
      };
    case 'AMOUNT_ABOVE_LIMIT':
      return {
        label: 'amount above the limit',
        cause: `${amount} is above the current limit for a single purchase.`,
        advice: "Lower the plan's amount to keep buying.",
      };
    default:
      return null;
  }
}

function purchaseFailed(detail: PurchaseFailedDetail, context: MessageContext): Draft {
  const amount = money(decimalUnits(detail.amount, detail.currency, 'amount'), detail.currency);
  const slot = formatLocalTime(detail.scheduledFor, context.timezone);
  const known = failureWords(String(detail.failureCode), amount);
  const reason =
    typeof detail.failureReason === 'string'
      ? detail.failureReason.replace(/\s+/g, ' ').trim()
      : '';
  const cause =
    known?.cause ?? (reason.length > 0 ? reason : 'The exchange did not complete the order.');
  const next =
    context.nextRunAt === null
      ? 'No further run is scheduled for this plan.'
      : `Your plan stays active; the next run is on ${formatLocalTime(context.nextRunAt, context.timezone)}.`;
  const advice = known?.advice ?? null;
  return {
    subject:
      known === null
        ? `Purchase of ${amount} failed`
        : `Purchase of ${amount} failed: ${known.label}`,
    blocks: [
      `Your savings plan's purchase of ${amount} on ${slot} did not go through.`,
      cause,
      advice === null ? `No money was spent. ${next}` : `No money was spent. ${advice} ${next}`,
    ],
    sms: `Purchase of ${amount} failed: ${known === null ? cause : `${known.label}.`} No money was spent.${advice === null ? '' : ` ${advice}`} ${nextRunSms(context)}`,
  };
}

function runMissed(detail: PlanRunMissedDetail, context: MessageContext): Draft {
  const amount = money(decimalUnits(detail.amount, detail.currency, 'amount'), detail.currency);
  const local = zonedAt(detail.scheduledFor, context.timezone, 'scheduledFor');
  const slot = formatLocalTime(detail.scheduledFor, context.timezone);
  let outcome: string;
  if (context.nextRunAt !== null) {
    outcome = `We scheduled your plan's next run instead: ${formatLocalTime(context.nextRunAt, context.timezone)}.`;
  } else if (detail.action === 'ENDED') {
    outcome = 'That was the last run of your plan, so the plan has now ended.';
  } else {
    outcome = 'No further run is scheduled for this plan.';
  }
  return {
    subject: `Missed run: ${amount} not bought on ${dateWords(local)}`,
    blocks: [
      `Your savings plan's run of ${amount} on ${slot} did not start on time, so it was missed.`,
      'Nothing was bought for it and no money was spent. A missed run is not made up later.',
      outcome,
    ],
    sms: `Missed run on ${slot}: nothing was bought and no money was spent. ${context.nextRunAt === null ? outcome : nextRunSms(context)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Plan changes

const STATUS_WORDS: Readonly<Record<string, string>> = {
  ACTIVE: 'active',
  PAUSED: 'paused',
  ENDED: 'ended',
};

function statusWords(status: string): string {
  const words = Object.hasOwn(STATUS_WORDS, status) ? STATUS_WORDS[status] : undefined;
  if (words === undefined) {
    throw new NotificationError(`status must be ACTIVE, PAUSED or ENDED, got ${status}`);
  }
  return words;
}

/** A plan's amount, e.g. `25.00 EUR`. */
function planAmount(plan: PlanSnapshot): string {
  return money(decimalUnits(plan.amount, plan.currency, 'amount'), plan.currency);
}

function endDateWords(plan: PlanSnapshot): string {
  const end = plan.schedule.endDate;
  return end === undefined || end === null ? 'no end date' : formatPlainDate(end, 'endDate');
}

function startDateWords(plan: PlanSnapshot): string | null {
  const start = plan.schedule.startDate;
  return start === undefined || start === null ? null : formatPlainDate(start, 'startDate');
}

/** One field that differs between two versions of a plan. */
interface Difference {
  /** Lower case, for the subject: `amount`. */
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

function differences(old: PlanSnapshot, now: PlanSnapshot): Difference[] {
  const found: Difference[] = [];
  /** Adds the field when `same` is false; `from` and `to` are what the person reads. */
  const add = (field: string, from: string, to: string, same = from === to): void => {
    if (!same) found.push({ field, from, to });
  };
  // Compared as numbers at each currency's digits ("25" is "25.00"); a change of currency alone
  // is the currency's line, not the amount's.
  const oldUnits = decimalUnits(old.amount, old.currency, 'old.amount');
  const newUnits = decimalUnits(now.amount, now.currency, 'new.amount');
  add(
    'amount',
    money(oldUnits, old.currency),
    money(newUnits, now.currency),
    formatUnits(oldUnits, digitsOf(old.currency)) === formatUnits(newUnits, digitsOf(now.currency)),
  );
  add('currency', old.currency, now.currency);
  add('schedule', describeSchedule(old.schedule), describeSchedule(now.schedule));
  add('start date', startDateWords(old) ?? 'not set', startDateWords(now) ?? 'not set');
  add('end date', endDateWords(old), endDateWords(now));
  add('status', statusWords(old.status), statusWords(now.status));
  return found;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A plan as one phrase: `25.00 EUR every Monday at 09:00 (Europe/Berlin)`. */
function planPhrase(plan: PlanSnapshot): string {
  return `${planAmount(plan)} ${describeSchedule(plan.schedule)}`;
}

/** A shorter phrase for subjects: `25.00 EUR every Monday at 09:00`. */
function planShort(plan: PlanSnapshot): string {
  return `${planAmount(plan)} ${scheduleWords(plan.schedule)}`;
}

function planChanged(detail: PlanChange, context: MessageContext): Draft {
  const old = detail.old ?? null;
  const now = detail.new ?? null;
  const plan = now ?? old;
  if (plan === null) throw new NotificationError('a plan change needs old or new');
  const requireNew = (): PlanSnapshot => {
    if (now === null) throw new NotificationError(`a ${detail.change} change needs new`);
    return now;
  };
  switch (detail.change) {
    case 'CREATED': {
      const created = requireNew();
      const status = statusWords(created.status);
      const start = startDateWords(created);
      const end = created.schedule.endDate;
      return {
        subject: `Plan created: ${planShort(created)}`,
        blocks: [
          `Your new savings plan buys bitcoin for ${planPhrase(created)}.`,
          [
            `Amount: ${planAmount(created)} per run, fee included`,
            `Schedule: ${describeSchedule(created.schedule)}`,
            ...(start === null ? [] : [`Start date: ${start}`]),
            `End date: ${end === undefined || end === null ? 'none, it runs until you stop it' : endDateWords(created)}`,
            `Status: ${status}`,
          ],
          context.nextRunAt === null
            ? 'No run is scheduled yet.'
            : `The first run is on ${formatLocalTime(context.nextRunAt, context.timezone)}.`,
        ],
        sms: `New savings plan: ${planPhrase(created)}. ${context.nextRunAt === null ? 'No run is scheduled yet.' : `First run: ${formatLocalTime(context.nextRunAt, context.timezone)}.`}`,
      };
    }
    case 'UPDATED': {
      const updated = requireNew();
      const changes = old === null ? [] : differences(old, updated);
      const lines = changes.map(
        (change) => `${capitalised(change.field)}: ${change.from} → ${change.to}`,
      );
      const smsLines = changes.map((change) => `${change.field} ${change.from} -> ${change.to}`);
      return {
        subject:
          changes.length === 0
            ? 'Plan updated'
            : `Plan updated: ${changes.map((change) => change.field).join(', ')}`,
        blocks: [
          changes.length === 0
            ? `Your savings plan of ${planPhrase(updated)} was updated; none of its settings changed.`
            : `Your savings plan was changed. It now buys bitcoin for ${planPhrase(updated)}.`,
          ...(lines.length === 0 ? [] : [lines]),
          nextRunSentence(context),
        ],
        sms: `Plan updated${smsLines.length === 0 ? '' : `: ${smsLines.join('; ')}`}. ${nextRunSms(context)}`,
      };
    }
    case 'PAUSED':
      return {
        subject: `Plan paused: ${planShort(requireNew())}`,
        blocks: [
          `Your savings plan of ${planPhrase(plan)} is paused.`,
          'It buys nothing until you resume it. Runs that fall in the pause are not made up.',
        ],
        sms: `Plan paused: ${planPhrase(plan)}. It buys nothing until you resume it.`,
      };
    case 'RESUMED':
      return {
        subject: `Plan resumed: ${planShort(requireNew())}`,
        blocks: [
          `Your savings plan of ${planPhrase(plan)} is active again.`,
          nextRunSentence(context),
        ],
        sms: `Plan resumed: ${planPhrase(plan)}. ${nextRunSms(context)}`,
      };
    case 'SKIPPED': {
      requireNew();
      // skipNextRun skips the run the plan was armed for: the old version's next run.
      const skipped = old?.nextRunAt ?? null;
      const when = skipped === null ? null : formatLocalTime(skipped, context.timezone);
      const day = skipped === null ? null : zonedAt(skipped, context.timezone, 'old.nextRunAt');
      return {
        subject:
          day === null
            ? `Next run skipped: ${planAmount(plan)}`
            : `Run skipped: ${planAmount(plan)} on ${dateWords(day)}`,
        blocks: [
          when === null
            ? `You skipped the next run of your savings plan of ${planPhrase(plan)}.`
            : `You skipped the next run of your savings plan of ${planPhrase(plan)}, on ${when}.`,
          'Nothing is bought and no money is spent for that run.',
          nextRunSentence(context),
        ],
        sms: `You skipped the ${when === null ? 'next run' : `run on ${when}`} of your ${planAmount(plan)} plan: nothing is bought for it. ${nextRunSms(context)}`,
      };
    }
    case 'DELETED':
      return {
        subject: `Plan deleted: ${planShort(plan)}`,
        blocks: [
          `Your savings plan of ${planPhrase(plan)} is deleted.`,
          'It makes no further purchases. Purchases it already made are not affected.',
        ],
        sms: `Plan deleted: ${planPhrase(plan)}. It makes no further purchases.`,
      };
    case 'ENDED':
      return {
        subject: `Plan ended: ${planShort(plan)}`,
        blocks: [
          `Your savings plan of ${planPhrase(plan)} has made its last run and has ended.`,
          'It makes no further purchases. Purchases it already made are not affected.',
        ],
        sms: `Plan ended: ${planPhrase(plan)} made its last run. No further purchases.`,
      };
    default:
      throw new NotificationError(
        `change must be CREATED, UPDATED, PAUSED, RESUMED, SKIPPED, DELETED or ENDED, got ${String(detail.change)}`,
      );
  }
}

/**
 * The message for an event: a subject, the email's text and HTML, and an SMS, in English.
 * Instants are shown in `context.timezone`; the next run is `context.nextRunAt`, which the caller
 * reads from the plan when sending (an event's own copy may be out of date by then).
 *
 * @throws NotificationError when the detail or context cannot give a truthful message: a figure
 *   that is not an exact amount, an unsupported currency, an unknown zone or an invalid instant.
 */
export function composeMessage<E extends NotificationEvent>(
  event: E,
  detail: NotificationDetails[E],
  context: MessageContext,
): Message {
  if (detail === null || typeof detail !== 'object') {
    throw new NotificationError('detail must be an object');
  }
  if (context.nextRunAt !== null) nonEmpty(context.nextRunAt, 'context.nextRunAt');
  nonEmpty(context.timezone, 'context.timezone');
  switch (event) {
    case 'PURCHASE_SUCCEEDED':
      return render(purchaseSucceeded(detail as PurchaseSucceededDetail, context));
    case 'PURCHASE_FAILED':
      return render(purchaseFailed(detail as PurchaseFailedDetail, context));
    case 'RUN_MISSED':
      return render(runMissed(detail as PlanRunMissedDetail, context));
    case 'PLAN_CHANGED':
      return render(planChanged(detail as PlanChange, context));
    default:
      throw new NotificationError(`no message for event ${String(event)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Preferences

/** Which channels an event is sent on; an empty list turns the event off. */
export interface NotificationRule {
  readonly event: NotificationEvent;
  readonly channels: NotificationChannel[];
}

/**
 * A person's notification settings. Invariant kept by the resolvers that change them: no rule
 * holds SMS while `phone` is null. EMAIL may be on without an address (the default before one is
 * known); {@link channelsFor} leaves out every channel without an address.
 */
export interface NotificationPreferences {
  readonly email: string | null;
  /** E.164: `+4915112345678`. */
  readonly phone: string | null;
  /** At most one per event, in the order of {@link NOTIFICATION_EVENTS}. */
  readonly rules: NotificationRule[];
}

/** Every event by email only: SMS stays off until the person gives a phone number. */
export function defaultPreferences(email: string | null): NotificationPreferences {
  return {
    email,
    phone: null,
    rules: NOTIFICATION_EVENTS.map((event) => ({ event, channels: ['EMAIL'] })),
  };
}

/** The channels `event` goes out on: those its rule names that have an address to send to. */
export function channelsFor(
  preferences: NotificationPreferences,
  event: NotificationEvent,
): NotificationChannel[] {
  const rule = preferences.rules.find((candidate) => candidate.event === event);
  if (rule === undefined) return [];
  return NOTIFICATION_CHANNELS.filter(
    (channel) =>
      rule.channels.includes(channel) &&
      (channel === 'EMAIL'
        ? preferences.email !== null && preferences.email.length > 0
        : preferences.phone !== null && preferences.phone.length > 0),
  );
}
