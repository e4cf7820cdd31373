/**
 * The limits of verification codes, as `domain/contact-verification.ts` enforces them in the
 * contacts function (that module needs node:crypto, which APPSYNC_JS lacks; a unit test keeps
 * the two equal). The resolvers only show them: attempts left and when a new code may be asked.
 */

/** Wrong guesses a code takes. */
export const MAX_ATTEMPTS = 5;
/** Codes one contact may be sent in any hour. */
export const MAX_CODES_PER_HOUR = 3;
