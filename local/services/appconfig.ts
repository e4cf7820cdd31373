/**
 * An AWS AppConfig Data stand-in for the feature flags: answers the real
 * `@aws-sdk/client-appconfigdata` client (StartConfigurationSession, GetLatestConfiguration),
 * which Powertools Parameters uses. It holds the two documents the deployed stack has, each in its
 * own environment as the local topology names them ({@link LOCAL_APPCONFIG}): the main flags
 * (`POST /_local/flags` changes them) and the emergency stop (`POST /_local/flags/emergency-stop`).
 * A session is for one of them (by EnvironmentIdentifier and ConfigurationProfileIdentifier; any
 * other pair is not found, as AppConfig answers), sees a new version on its next poll, and an
 * empty body when nothing changed, as AppConfig answers.
 * Sessions live in memory; a token is good for one poll, as AppConfig's are. With a journal (the
 * stack's data folder) the deployed documents and their versions survive a restart, as a deployed
 * configuration does; sessions do not (a client starts a new one, as after a token expired).
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_EMERGENCY_STOP,
  DEFAULT_FLAGS,
  parseEmergencyStop,
  parseFlags,
  type EmergencyStop,
  type Flags,
} from '#domain/flags.ts';
import { BadRequestError, type Handler, type Reply } from '../http.ts';
import { Journal } from './journal.ts';

/** The journal entry `deployed`: the deployed flags and their version. */
export interface AppConfigRecord {
  readonly flags: Flags;
  readonly version: number;
}

/** The journal entry `emergency-stop`: the deployed emergency stop and its version. */
export interface EmergencyStopRecord {
  readonly emergencyStop: EmergencyStop;
  readonly version: number;
}

/** Where each document lives locally (the functions' `APPCONFIG_*` variables name the same). */
export const LOCAL_APPCONFIG = {
  environment: 'local',
  profile: 'flags',
  emergencyEnvironment: 'local-emergency',
  emergencyProfile: 'emergency-stop',
} as const;

type Document = 'flags' | 'emergency-stop';

export class LocalAppConfig {
  readonly prefix: string;
  readonly handler: Handler;
  #flags: Flags = DEFAULT_FLAGS;
  #emergencyStop: EmergencyStop = DEFAULT_EMERGENCY_STOP;
  /** Each document's deployed version (AppConfig numbers versions per profile). */
  readonly #versions: Record<Document, number> = { flags: 1, 'emergency-stop': 1 };
  /** Token -> the document of that session and the version it last received. */
  readonly #sessions = new Map<string, { document: Document; seen: number }>();
  readonly #journal: Journal<AppConfigRecord | EmergencyStopRecord>;
  /** Whether the flags were read back from the journal (a restart), not the defaults. */
  readonly restored: boolean;

  constructor(
    prefix = '/_aws/appconfigdata',
    journal: Journal<AppConfigRecord | EmergencyStopRecord> = new Journal(),
  ) {
    this.prefix = prefix;
    this.#journal = journal;
    const kept = new Map(journal.entries());
    const flags = kept.get('deployed') as AppConfigRecord | undefined;
    this.restored = flags !== undefined;
    if (flags !== undefined) {
      this.#flags = parseFlags(flags.flags);
      this.#versions.flags = flags.version;
    }
    const stop = kept.get('emergency-stop') as EmergencyStopRecord | undefined;
    if (stop !== undefined) {
      this.#emergencyStop = parseEmergencyStop(stop.emergencyStop);
      this.#versions['emergency-stop'] = stop.version;
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

  get emergencyStop(): EmergencyStop {
    return this.#emergencyStop;
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
    this.#versions.flags += 1;
    this.#journal.put('deployed', { flags: this.#flags, version: this.#versions.flags });
    return this.#flags;
  }

  /**
   * Applies `POST /_local/flags/emergency-stop`: the whole document, `{"purchasesEnabled": false}`
   * to stop purchases whatever the flags say, `true` to leave them to the flags. Deployed at once,
   * as the emergency environment always is.
   */
  setEmergencyStop(body: unknown): EmergencyStop {
    try {
      this.#emergencyStop = parseEmergencyStop(body);
    } catch (error) {
      throw new BadRequestError((error as Error).message);
    }
    this.#versions['emergency-stop'] += 1;
    this.#journal.put('emergency-stop', {
      emergencyStop: this.#emergencyStop,
      version: this.#versions['emergency-stop'],
    });
    return this.#emergencyStop;
  }

  #error(status: number, type: string, message: string): Reply {
    return { status, headers: { 'x-amzn-errortype': type }, body: { Message: message } };
  }

  #document(environment: string, profile: string): Document | null {
    if (environment === LOCAL_APPCONFIG.environment && profile === LOCAL_APPCONFIG.profile) {
      return 'flags';
    }
    if (
      environment === LOCAL_APPCONFIG.emergencyEnvironment &&
      profile === LOCAL_APPCONFIG.emergencyProfile
    ) {
      return 'emergency-stop';
    }
    return null;
  }

  #startSession(rawBody: string): Reply {
    const body = JSON.parse(rawBody || '{}') as Record<string, unknown>;
    const fields = [
      'ApplicationIdentifier',
      'EnvironmentIdentifier',
      'ConfigurationProfileIdentifier',
    ] as const;
    for (const field of fields) {
      if (typeof body[field] !== 'string')
        return this.#error(400, 'BadRequestException', `${field} is required`);
    }
    const environment = body.EnvironmentIdentifier as string;
    const profile = body.ConfigurationProfileIdentifier as string;
    const document = this.#document(environment, profile);
    if (document === null) {
      return this.#error(
        404,
        'ResourceNotFoundException',
        `no configuration ${profile} deployed to environment ${environment}`,
      );
    }
    const token = randomUUID();
    this.#sessions.set(token, { document, seen: 0 });
    return { status: 201, body: { InitialConfigurationToken: token } };
  }

  #latest(token: string): Reply {
    const session = this.#sessions.get(token);
    if (session === undefined)
      return this.#error(
        400,
        'BadRequestException',
        'The configuration token is invalid or expired.',
      );
    this.#sessions.delete(token);
    const version = this.#versions[session.document];
    const next = randomUUID();
    this.#sessions.set(next, { document: session.document, seen: version });
    const changed = session.seen !== version;
    const content = session.document === 'flags' ? this.#flags : this.#emergencyStop;
    return {
      status: 200,
      contentType: 'application/json',
      headers: {
        'next-poll-configuration-token': next,
        'next-poll-interval-in-seconds': '15',
        'version-label': String(version),
      },
      body: changed ? JSON.stringify(content) : '',
    };
  }
}
