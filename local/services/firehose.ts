/**
 * Amazon Data Firehose, locally: `PutRecord` as the real `@aws-sdk/client-firehose` sends it (AWS
 * JSON 1.1, `x-amz-target: Firehose_20150804.PutRecord`, mounted under a prefix such as
 * `/_aws/firehose`), for the audit trail's stream. A record is an EventBridge event, as the audit
 * rule puts it; it is written to the local audit bucket as the stream would deliver it. Only
 * PutRecord exists: the redrive of the audit rule's dead letters is its one caller (the local
 * rule writes to the trail directly).
 *
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecord.html
 */
import { randomUUID } from 'node:crypto';
import type { Handler } from '../http.ts';
import { AwsJsonProtocol, FieldReader, type JsonObject } from './aws-json.ts';
import type { StoredEvent } from './eventbridge.ts';

const PROTOCOL = new AwsJsonProtocol({
  service: 'Firehose',
  targetPrefix: 'Firehose_20150804',
  version: '1.1',
  errorTypeHeader: true,
});

/** The most a record may hold before base64 (1,000 KiB). */
const MAX_RECORD_BYTES = 1000 * 1024;

export interface LocalFirehoseOptions {
  /** The stream names it knows, each with what receives its events. */
  readonly streams: ReadonlyMap<string, (event: StoredEvent) => void>;
  readonly accountId: string;
  /** The bus the recorded events came from (an event's envelope does not name it). */
  readonly eventBusName: string;
  readonly prefix?: string;
}

/** An EventBridge event's JSON envelope, read back into the bus's stored shape. */
function storedEvent(data: string, eventBusName: string): StoredEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const text = (key: string) => (typeof event[key] === 'string' ? event[key] : undefined);
  const id = text('id');
  const time = text('time');
  const source = text('source');
  const detailType = text('detail-type');
  const { detail } = event;
  if (
    id === undefined ||
    time === undefined ||
    source === undefined ||
    detailType === undefined ||
    typeof detail !== 'object' ||
    detail === null
  ) {
    return undefined;
  }
  return {
    id,
    time,
    source,
    detailType,
    detail: detail as Record<string, unknown>,
    eventBusName,
    resources: Array.isArray(event.resources) ? (event.resources as string[]) : [],
    account: text('account') ?? '',
    region: text('region') ?? '',
  };
}

export class LocalFirehose {
  readonly prefix: string;
  readonly handler: Handler;
  readonly #options: LocalFirehoseOptions;

  constructor(options: LocalFirehoseOptions) {
    this.prefix = options.prefix ?? '/_aws/firehose';
    this.#options = options;
    this.handler = PROTOCOL.handler({
      path: this.prefix,
      operations: { PutRecord: (input) => this.#putRecord(input) },
    });
  }

  #putRecord(body: JsonObject): JsonObject {
    const reader = new FieldReader(body, (problem) => PROTOCOL.validationError([problem]));
    const name = reader.requiredString('DeliveryStreamName');
    const deliver = this.#options.streams.get(name);
    if (deliver === undefined) {
      throw PROTOCOL.error(
        'ResourceNotFoundException',
        `Firehose ${name} under account ${this.#options.accountId} not found.`,
      );
    }
    const record = body.Record as JsonObject | undefined;
    const encoded = typeof record?.Data === 'string' ? record.Data : undefined;
    const data = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
    if (data === undefined || data.length > MAX_RECORD_BYTES) {
      throw PROTOCOL.error(
        'InvalidArgumentException',
        `Record.Data must be base64 of at most ${MAX_RECORD_BYTES} bytes.`,
      );
    }
    // The local stream only carries the audit trail: a record must be an event.
    const event = storedEvent(data.toString('utf8'), this.#options.eventBusName);
    if (event === undefined) {
      throw PROTOCOL.error(
        'InvalidArgumentException',
        'The local audit stream takes EventBridge events (JSON with id, time, source, detail-type, detail).',
      );
    }
    deliver(event);
    return { RecordId: randomUUID(), Encrypted: false };
  }
}
