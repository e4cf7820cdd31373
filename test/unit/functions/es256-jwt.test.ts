/**
 * The Coinbase adapter's ES256 tokens, checked with jose (an independent JWS implementation): the
 * header and payload arrive as given, the signature verifies with the public key, and keys ES256
 * cannot sign with are refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { signEs256Jwt } from '../../../functions/lib/exchanges/es256-jwt.ts';

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('signEs256Jwt', () => {
  it('signs a compact JWS that verifies with the public key, header and payload as given', async () => {
    const header = {
      alg: 'ES256',
      kid: 'organizations/o/apiKeys/k',
      nonce: 'ab12',
      typ: 'JWT',
    } as const;
    const payload = {
      sub: 'organizations/o/apiKeys/k',
      iss: 'cdp',
      nbf: 1,
      exp: 121,
      uri: 'GET h/p',
    };
    const token = signEs256Jwt(header, payload, keys.privateKey);
    const verified = await compactVerify(token, keys.publicKey, { algorithms: ['ES256'] });
    expect({
      header: verified.protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(verified.payload)) as unknown,
      signatureBytes: Buffer.from(token.split('.')[2] ?? '', 'base64url').length,
    }).toEqual({ header, payload, signatureBytes: 64 });
    expect(decodeProtectedHeader(token)).toEqual(header);
  });

  it('refuses keys ES256 cannot sign with: another curve, another type, a public key', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const ed25519 = generateKeyPairSync('ed25519').privateKey;
    const attempts = [p384, ed25519, keys.publicKey].map((key) => {
      try {
        return signEs256Jwt({ alg: 'ES256' }, {}, key);
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(attempts).toEqual([
      'ES256 needs an EC P-256 private key',
      'ES256 needs an EC P-256 private key',
      'ES256 needs an EC P-256 private key',
    ]);
  });
});
