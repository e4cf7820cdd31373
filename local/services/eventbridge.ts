/**
 * EventBridge, locally: `PutEvents` as the real `@aws-sdk/client-eventbridge` sends it (awsJson1_1:
 * `POST <prefix>/` with `x-amz-target: AWSEvents.PutEvents`), mounted under a prefix such as
 * `/_aws/events`. Events are stored and handed to subscribers, which will route them.
 *
 * Faithful where code under test can notice: a bad entry fails on its own (`ErrorCode` and
 * `ErrorMessage` in its result, counted in `FailedEntryCount`) while the others are stored; a bad
 * request (no entries, more than ten) is a `ValidationException`; any other operation is an
 * `UnknownOperationException`. Every bus name is accepted (there is no bus registry locally), and
 * the 256 KB entry size limit is not checked. As in EventBridge, a caller cannot put an event with
 * an `aws.` source; the local stand-ins of AWS services publish theirs with
 * {@link LocalEventBus.publishServiceEvent}, on the default bus (the local SES's bounces and
 * complaints).
 *
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import { randomUUID } from 'node:crypto';
import type { Handler } from '../http.ts';
import { AwsJsonProtocol, FieldReader, type JsonObject } from './aws-json.ts';

/** An event as EventBridge delivers it to rules (the envelope's fields, camel-cased). */
export interface StoredEvent {
  readonly id: string;
  /** The entry's `Time`, or when the bus received it (local clock), e.g. "2026-12-07T08:00:03Z". */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  /** The parsed `Detail` (always a JSON object). */
  readonly detail: Record<string, unknown>;
  /** The bus name (an ARN in the request is reduced to its name). */
  readonly eventBusName: string;
  readonly resources: readonly string[];
  readonly account: string;
  readonly region: string;
}

/** An event as EventBridge hands it to a target such as an SQS queue (its JSON envelope). */
export function toEventEnvelope(event: StoredEvent) {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: event.account,
    time: event.time,
    region: event.region,
    resources: event.resources,
    detail: event.detail,
  };
}

/** Receives every stored event; a failure is logged and never fails the PutEvents call. */
export type EventListener = (event: StoredEvent) => void | Promise<void>;

export interface LocalEventBusOptions {
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly region: string;
  readonly accountId: string;
  /** Where `handler` is mounted. Default "/_aws/events". */
  readonly prefix?: string;
  /** Where listener failures are reported. Default: console.error. */
  readonly log?: (line: string) => void;
}

interface EntryResult {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

const PROTOCOL = new AwsJsonProtocol({
  service: 'EventBridge',
  targetPrefix: 'AWSEvents',
  version: '1.1',
});

const MAX_ENTRIES = 10;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function invalidArgument(member: string): EntryResult {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
  };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** "arn:aws:events:eu-central-1:123456789012:event-bus/plans" -> "plans". */
function busName(value: unknown): string {
  if (!nonEmptyString(value)) return 'default';
  const arn = /^arn:aws[\w-]*:events:[\w-]+:\d{12}:event-bus\/(.+)$/.exec(value);
  return arn?.[1] ?? value;
}

/** The EventBridge stand-in. Mount `handler` under `prefix`. */
export class LocalEventBus {
  /** The path prefix `handler` expects, e.g. "/_aws/events". */
  readonly prefix: string;
  /** Answers the EventBridge JSON API under `prefix`. */
  readonly handler: Handler;

  readonly #now: () => number;
  readonly #region: string;
  readonly #accountId: string;
  readonly #log: (line: string) => void;
  readonly #events: StoredEvent[] = [];
  readonly #listeners = new Set<EventListener>();

  constructor(options: LocalEventBusOptions) {
    this.#now = options.now;
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#log = options.log ?? ((line) => console.error(line));
    this.prefix = options.prefix ?? '/_aws/events';
    this.handler = PROTOCOL.handler({
      path: this.prefix,
      operations: { PutEvents: (input) => this.#putEvents(input) },
    });
  }

  /** Every event stored so far, oldest first. */
  events(): StoredEvent[] {
    return [...this.#events];
  }

  /** Calls `listener` with every event stored from now on; answers a function that stops it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Publishes an event of an AWS service (source `aws.<service>`) on the account's default bus,
   * as the service itself does; answers it once every listener has handled it.
   */
  async publishServiceEvent(entry: {
    readonly source: string;
    readonly detailType: string;
    readonly detail: Record<string, unknown>;
    readonly resources?: readonly string[];
  }): Promise<StoredEvent> {
    if (!entry.source.startsWith('aws.')) {
      throw new Error(`a service event's source starts with aws., not ${entry.source}`);
    }
    const event: StoredEvent = {
      id: randomUUID(),
      time: isoSeconds(this.#now()),
      source: entry.source,
      detailType: entry.detailType,
      detail: entry.detail,
      eventBusName: 'default',
      resources: [...(entry.resources ?? [])],
      account: this.#accountId,
      region: this.#region,
    };
    await this.#store(event);
    return event;
  }

  #putEvents(body: JsonObject): { FailedEntryCount: number; Entries: EntryResult[] } {
    const entries = new FieldReader(body, (problem) =>
      PROTOCOL.validationError([problem]),
    ).requiredList('Entries', { min: 1, max: MAX_ENTRIES });
    const results = entries.map((entry) => this.#putEntry(entry));
    return {
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      Entries: results,
    };
  }

  #putEntry(entry: unknown): EntryResult {
    if (!isObject(entry)) return invalidArgument('Source');
    const { Source, DetailType, Detail, Resources, Time, EventBusName } = entry;
    if (!nonEmptyString(Source)) return invalidArgument('Source');
    if (!nonEmptyString(DetailType)) return invalidArgument('DetailType');
    if (!nonEmptyString(Detail)) return invalidArgument('Detail');
    if (Source.startsWith('aws.')) {
      return {
        ErrorCode: 'NotAuthorizedForSourceException',
        ErrorMessage: 'Not authorized for the source.',
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(Detail);
    } catch {
      detail = undefined;
    }
    // Detail must be a JSON object; a string, number or array is as malformed as bad JSON.
    if (!isObject(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (
      Resources !== undefined &&
      Resources !== null &&
      !(Array.isArray(Resources) && Resources.every((resource) => typeof resource === 'string'))
    ) {
      return invalidArgument('Resources');
    }
    const event: StoredEvent = {
      id: randomUUID(),
      time: isoSeconds(
        typeof Time === 'number' && Number.isFinite(Time) ? Time * 1000 : this.#now(),
      ),
      source: Source,
      detailType: DetailType,
      detail,
      eventBusName: busName(EventBusName),
      resources: Array.isArray(Resources) ? (Resources as string[]) : [],
      account: this.#accountId,
      region: this.#region,
    };
    // Routing is asynchronous in EventBridge: a listener never delays or fails PutEvents.
    void this.#store(event);
    return { EventId: event.id };
  }

  /** Stores `event` and hands it to every listener; resolves once they all have handled it. */
  async #store(event: StoredEvent): Promise<void> {
    this.#events.push(event);
    await Promise.all(
      [...this.#listeners].map((listener) =>
        Promise.resolve()
          .then(() => listener(event))
          .catch((error: unknown) =>
            this.#log(
              `event ${event.id} (${event.detailType}) listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            ),
          ),
      ),
    );
  }
}
