/**
 * The local stand-in for the Cognito user pool: issues ID tokens for any user you name, signed
 * with a key kept in the data directory (so tokens survive restarts), and checks them the way
 * AppSync checks Cognito tokens, answering with AppSync's 401 bodies.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { CognitoIdentity } from './appsync/engine.ts';

/** What `POST /_local/token` accepts. */
export interface TokenRequest {
  readonly sub: string;
  readonly email?: string;
  /** The `email_verified` claim with the email (default true); body field `email_verified`. */
  readonly emailVerified?: boolean;
  readonly phone?: string;
  readonly groups?: string[];
}

/** A refused Authorization header, with AppSync's message for it. */
export class UnauthorizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Thrown for a token request that does not name a user properly. */
export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

const TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;
const AUDIENCE = 'local-app-client';

export class LocalUserPool {
  readonly issuer: string;
  readonly #key: Uint8Array;

  /** `keyFile` keeps the signing key across restarts; without one each start gets a new key. */
  constructor(issuer: string, keyFile?: string) {
    this.issuer = issuer;
    this.#key = LocalUserPool.#loadKey(keyFile);
  }

  static #loadKey(keyFile: string | undefined): Uint8Array {
    if (keyFile !== undefined && existsSync(keyFile)) {
      return Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    }
    const key = randomBytes(32);
    if (keyFile !== undefined) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, key.toString('base64'), { mode: 0o600 });
    }
    return key;
  }

  /** Checks a token request body; the answer is the request with only known fields. */
  static parseTokenRequest(body: unknown): TokenRequest {
    if (body === null || typeof body !== 'object') {
      throw new TokenRequestError(
        'Send a JSON object such as {"sub":"alice","email":"alice@example.com"}.',
      );
    }
    const {
      sub,
      email,
      email_verified: emailVerified,
      phone,
      groups,
    } = body as Record<string, unknown>;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128 || /\s/.test(sub)) {
      throw new TokenRequestError(
        'sub must be a non-empty string of at most 128 characters, without spaces.',
      );
    }
    if (email !== undefined && (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))) {
      throw new TokenRequestError('email must be an email address.');
    }
    if (emailVerified !== undefined && typeof emailVerified !== 'boolean') {
      throw new TokenRequestError('email_verified must be true or false.');
    }
    if (phone !== undefined && (typeof phone !== 'string' || !/^\+[1-9]\d{1,14}$/.test(phone))) {
      throw new TokenRequestError('phone must be an E.164 number such as +4915112345678.');
    }
    if (
      groups !== undefined &&
      (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string'))
    ) {
      throw new TokenRequestError('groups must be an array of strings.');
    }
    return {
      sub,
      ...(email === undefined ? {} : { email }),
      ...(email === undefined || emailVerified === undefined ? {} : { emailVerified }),
      ...(phone === undefined ? {} : { phone }),
      ...(groups === undefined ? {} : { groups: groups as string[] }),
    };
  }

  /**
   * Issues an ID token like Cognito's (claims `sub`, `email`, `email_verified`, `phone_number`,
   * `cognito:username`).
   */
  async issueToken(request: TokenRequest): Promise<string> {
    return new SignJWT({
      token_use: 'id',
      'cognito:username': request.sub,
      ...(request.email === undefined
        ? {}
        : { email: request.email, email_verified: request.emailVerified ?? true }),
      ...(request.phone === undefined
        ? {}
        : { phone_number: request.phone, phone_number_verified: true }),
      ...(request.groups === undefined ? {} : { 'cognito:groups': request.groups }),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(request.sub)
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
      .sign(this.#key);
  }

  /**
   * The identity behind an Authorization header (the token, or `Bearer <token>`), or an
   * UnauthorizedError with the message AppSync gives.
   */
  async authenticate(header: string | undefined, sourceIp: string): Promise<CognitoIdentity> {
    if (header === undefined || header.trim().length === 0) {
      throw new UnauthorizedError('Valid authorization header not provided.');
    }
    const token = header.trim().replace(/^Bearer\s+/i, '');
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: this.issuer,
        audience: AUDIENCE,
      });
      if (typeof payload.sub !== 'string')
        throw new UnauthorizedError('Unable to parse JWT token.');
      const groups = payload['cognito:groups'];
      return {
        sub: payload.sub,
        issuer: this.issuer,
        username: String(payload['cognito:username'] ?? payload.sub),
        claims: { ...payload },
        sourceIp: [sourceIp],
        defaultAuthStrategy: 'ALLOW',
        groups: Array.isArray(groups) ? (groups as string[]) : null,
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('Token has expired.');
      throw new UnauthorizedError('Unable to parse JWT token.');
    }
  }
}
