/** The local user pool's tokens: the claims a Cognito ID token has, `email_verified` included. */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { LocalUserPool, TokenRequestError } from '#local/services/auth.ts';

const pool = new LocalUserPool('https://local.test/pool');

async function claims(body: unknown): Promise<Record<string, unknown>> {
  return decodeJwt(await pool.issueToken(LocalUserPool.parseTokenRequest(body)));
}

describe('POST /_local/token claims', () => {
  it('says the email is verified unless the request says "email_verified": false', async () => {
    expect(await claims({ sub: 'alice', email: 'alice@example.com' })).toMatchObject({
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(
      await claims({ sub: 'alice', email: 'alice@example.com', email_verified: true }),
    ).toMatchObject({ email: 'alice@example.com', email_verified: true });
    expect(
      await claims({ sub: 'alice', email: 'alice@example.com', email_verified: false }),
    ).toMatchObject({ email: 'alice@example.com', email_verified: false });
  });

  it('puts no email claims in a token without an email', async () => {
    const issued = await claims({ sub: 'alice', email_verified: false });
    expect(Object.keys(issued).filter((key) => key.startsWith('email'))).toEqual([]);
  });

  it('refuses an email_verified that is not a boolean', () => {
    for (const value of ['false', 0, null]) {
      expect(() =>
        LocalUserPool.parseTokenRequest({
          sub: 'alice',
          email: 'alice@example.com',
          email_verified: value,
        }),
      ).toThrow(new TokenRequestError('email_verified must be true or false.'));
    }
  });
});
