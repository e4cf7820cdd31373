/**
 * ES256 JSON Web Tokens (RFC 7519, JWS compact serialization of RFC 7515) signed with node:crypto,
 * for the Coinbase adapter's CDP API key tokens. A JWS is three base64url parts joined by dots:
 * the protected header, the payload, and the ECDSA P-256 / SHA-256 signature over the first two
 * in IEEE P1363 form (r and s as 32 bytes each, RFC 7518 section 3.4). This is all the adapter
 * needs of jose, whose 13 KiB (key import, algorithm tables, claim validation) every bundle with
 * the exchange adapters carried; the unit tests verify these tokens with jose.
 */
import { sign, type KeyObject } from 'node:crypto';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * The compact JWS of `payload` under `header` (which must say `alg: 'ES256'`), signed with the
 * P-256 private key `key`. Throws if the key is not an EC P-256 private key: an ES256 signature
 * from another curve would be refused by the verifier.
 */
export function signEs256Jwt(
  header: { readonly alg: 'ES256' } & Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  key: KeyObject,
): string {
  if (
    key.type !== 'private' ||
    key.asymmetricKeyType !== 'ec' ||
    key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new TypeError('ES256 needs an EC P-256 private key');
  }
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
