/**
 * AWS KMS, locally: `Sign` and `GetPublicKey` for the audit signing key, as the real
 * `@aws-sdk/client-kms` sends them (JSON 1.1, `X-Amz-Target: TrentService.<Operation>`), mounted
 * under a prefix such as `/_aws/kms`. The key is an ECDSA P-256 key (KMS `ECC_NIST_P256`,
 * `SIGN_VERIFY`) addressed by its ARN, id or alias, as Pulumi creates it.
 *
 * Faithful where code under test can notice: `ECDSA_SHA_256` only, `RAW` messages of at most
 * 4,096 bytes (`ValidationException` beyond), DER signatures, the public key as DER
 * SubjectPublicKeyInfo, `NotFoundException` for an unknown key, errors as `{ __type, message }`.
 *
 * Deliberately local: no `DIGEST` messages (`UnsupportedOperationException`: the project signs
 * raw statements), no grants, key policies or other operations.
 *
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 */
import type { Handler } from '../http.ts';
import type { LocalAuditSigner } from './audit.ts';
import { AwsJsonProtocol, type JsonObject } from './aws-json.ts';

export interface LocalKmsKey {
  readonly arn: string;
  /** Other names that address the key: its id, its alias. */
  readonly names: readonly string[];
  readonly signer: LocalAuditSigner;
}

const MAX_RAW_MESSAGE_BYTES = 4096;

const PROTOCOL = new AwsJsonProtocol({
  service: 'KMS',
  targetPrefix: 'TrentService',
  version: '1.1',
});

export class LocalKms {
  readonly prefix: string;
  readonly handler: Handler;
  readonly #keys: readonly LocalKmsKey[];

  constructor(options: { keys: readonly LocalKmsKey[]; prefix?: string }) {
    this.prefix = options.prefix ?? '/_aws/kms';
    this.#keys = options.keys;
    this.handler = PROTOCOL.handler({
      path: this.prefix,
      operations: {
        GetPublicKey: (input) => this.#getPublicKey(input),
        Sign: (input) => this.#sign(input),
      },
    });
  }

  #key(input: JsonObject): LocalKmsKey {
    const keyId = typeof input.KeyId === 'string' ? input.KeyId : '';
    const key = this.#keys.find(
      (candidate) => candidate.arn === keyId || candidate.names.includes(keyId),
    );
    if (key === undefined) throw PROTOCOL.error('NotFoundException', `Invalid keyId '${keyId}'`);
    return key;
  }

  #getPublicKey(input: JsonObject): JsonObject {
    const key = this.#key(input);
    return {
      KeyId: key.arn,
      PublicKey: key.signer.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      KeySpec: 'ECC_NIST_P256',
      CustomerMasterKeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    };
  }

  #sign(input: JsonObject): JsonObject {
    const key = this.#key(input);
    if (input.SigningAlgorithm !== 'ECDSA_SHA_256') {
      throw PROTOCOL.error(
        'InvalidKeyUsageException',
        `${String(input.SigningAlgorithm)} is not a signing algorithm of this key`,
      );
    }
    if ((input.MessageType ?? 'RAW') !== 'RAW') {
      throw PROTOCOL.error(
        'UnsupportedOperationException',
        'the local KMS signs RAW messages only',
      );
    }
    const message = Buffer.from(typeof input.Message === 'string' ? input.Message : '', 'base64');
    if (message.byteLength === 0 || message.byteLength > MAX_RAW_MESSAGE_BYTES) {
      // KMS never repeats the message to sign: "Value at 'message'".
      throw PROTOCOL.validationError([
        {
          field: 'Message',
          value: undefined,
          kind: 'length',
          constraint: `Member must have length between 1 and ${MAX_RAW_MESSAGE_BYTES}`,
          sensitive: true,
        },
      ]);
    }
    return {
      KeyId: key.arn,
      Signature: key.signer.sign(message).toString('base64'),
      SigningAlgorithm: 'ECDSA_SHA_256',
    };
  }
}
