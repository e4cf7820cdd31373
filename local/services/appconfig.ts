/**
 * An AWS AppConfig Data stand-in for the feature flags: answers the real
 * `@aws-sdk/client-appconfigdata` client (StartConfigurationSession, GetLatestConfiguration),
 * which Powertools Parameters uses. `POST /_local/flags` changes the flags; a session sees the new
 * version on its next poll, and an empty body when nothing changed, as AppConfig answers.
 * Sessions live in memory; a token is good for one poll, as AppConfig's are. With a journal (the
 * stack's data folder) the deployed flags and their version survive a restart, as a deployed
 * configuration does; sessions do not (a client starts a new one, as after a token expired).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_FLAGS, parseFlags, type Flags } from '#domain/flags.ts';
import { BadRequestError, type Handler, type Reply } from '../http.ts';
import { Journal } from './journal.ts';

/** The journal's one entry: the deployed flags and their version. */
export interface AppConfigRecord {
  readonly flags: Flags;
  readonly version: number;
}

export class LocalAppConfig {
  readonly prefix: string;
  readonly handler: Handler;
  #flags: Flags = DEFAULT_FLAGS;
  #version = 1;
  /** Token -> the version that session last received. */
  readonly #sessions = new Map<string, number>();
  readonly #journal: Journal<AppConfigRecord>;
  /** Whether the flags were read back from the journal (a restart), not the defaults. */
  readonly restored: boolean;

  constructor(prefix = '/_aws/appconfigdata', journal: Journal<AppConfigRecord> = new Journal()) {
    this.prefix = prefix;
    this.#journal = journal;
    const kept = journal.entries().at(-1)?.[1];
    this.restored = kept !== undefined;
    if (kept !== undefined) {
      this.#flags = parseFlags(kept.flags);
      this.#version = kept.version;
    }
    this.handler = (request) => {
      const path = request.url.pathname.slice(this.prefix.length);
      if (request.method === 'POST' && path === '/configurationsessions')
        return this.#startSession(request.rawBody);
      if (request.method === 'GET' && path === '/configuration') {
        return this.#latest(request.url.searchParams.get('configuration_token') ?? '');
      }
      return this.#error(404, 'ResourceNotFoundException', `no route ${request.method} ${path}`);
    };
  }

  get flags(): Flags {
    return this.#flags;
  }

  /**
   * Applies `POST /_local/flags`: the flags given change, the others keep their values
   * (`"maxAmountPerRun": null` removes the maximum; a `maxAmountPerRunByCurrency` object replaces
   * the per-currency maximums, `{}` removes them; `"purchasesEnabledPercent": "10"` lets a tenth of
   * users buy, `"100"` all of them again). Deploys a new version, as AppConfig would, at once:
   * the stand-in has no deployment strategy, every session sees the new version on its next poll.
   */
  set(body: unknown): Flags {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError(
        'send a JSON object such as {"purchasesEnabled": false, "maxAmountPerRun": "500.00"}',
      );
    }
    try {
      this.#flags = parseFlags({ ...this.#flags, ...body });
    } catch (error) {
      throw new BadRequestError((error as Error).message);
    }
    this.#version += 1;
    this.#journal.put('deployed', { flags: this.#flags, version: this.#version });
    return this.#flags;
  }

  #error(status: number, type: string, message: string): Reply {
    return { status, headers: { 'x-amzn-errortype': type }, body: { Message: message } };
  }

  #startSession(rawBody: string): Reply {
    const body = JSON.parse(rawBody || '{}') as Record<string, unknown>;
    for (const field of [
      'ApplicationIdentifier',
      'EnvironmentIdentifier',
      'ConfigurationProfileIdentifier',
    ]) {
      if (typeof body[field] !== 'string')
        return this.#error(400, 'BadRequestException', `${field} is required`);
    }
    const token = randomUUID();
    this.#sessions.set(token, 0);
    return { status: 201, body: { InitialConfigurationToken: token } };
  }

  #latest(token: string): Reply {
    const seen = this.#sessions.get(token);
    if (seen === undefined)
      return this.#error(
        400,
        'BadRequestException',
        'The configuration token is invalid or expired.',
      );
    this.#sessions.delete(token);
    const next = randomUUID();
    this.#sessions.set(next, this.#version);
    const changed = seen !== this.#version;
    return {
      status: 200,
      contentType: 'application/json',
      headers: {
        'next-poll-configuration-token': next,
        'next-poll-interval-in-seconds': '15',
        'version-label': String(this.#version),
      },
      body: changed ? JSON.stringify(this.#flags) : '',
    };
  }
}
