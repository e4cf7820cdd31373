/**
 * AppSync's built-in scalars with the formats AppSync accepts, so a value the cloud would refuse
 * is refused locally too.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const OFFSET = '(Z|[+-]\\d{2}:\\d{2}(:\\d{2})?)';
const DATE = /^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$/;
const TIME = new RegExp(`^\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?${OFFSET}?$`);
const DATE_TIME = new RegExp(
  `^(\\d{4}-\\d{2}-\\d{2})T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?${OFFSET}$`,
);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().-]{3,}$/;

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function validDate(text: string): boolean {
  const match = DATE.exec(text);
  return match !== null && isRealDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

function validTime(text: string): boolean {
  const match = TIME.exec(text);
  if (match === null) return false;
  const [hours = 0, minutes = 0, seconds = 0] = text
    .slice(0, 8)
    .split(':')
    .map((part) => Number.parseInt(part, 10));
  return hours <= 23 && minutes <= 59 && (seconds ?? 0) <= 59;
}

function validDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (match === null) return false;
  const [date = '', rest = ''] = text.split('T');
  return validDate(date) && validTime(rest);
}

function stringScalar(name: string, valid: (text: string) => boolean, description: string) {
  const check = (value: unknown) => {
    if (typeof value !== 'string' || !valid(value)) {
      throw new GraphQLError(
        `Invalid ${name} value: ${JSON.stringify(value)} (expected ${description})`,
      );
    }
    return value;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: check,
    parseValue: check,
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) {
        throw new GraphQLError(`Invalid ${name} literal: expected a string (${description})`, {
          nodes: ast,
        });
      }
      return check(ast.value);
    },
  });
}

function jsonLiteral(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
      return ast.value;
    default:
      throw new GraphQLError('AWSJSON literals must be strings holding JSON', { nodes: ast });
  }
}

/** Implementations of every AppSync scalar, by name. */
export const appSyncScalars: Record<string, GraphQLScalarType> = {
  AWSDate: stringScalar('AWSDate', validDate, 'YYYY-MM-DD, optionally with a zone offset'),
  AWSTime: stringScalar('AWSTime', validTime, 'hh:mm[:ss[.sss]], optionally with a zone offset'),
  AWSDateTime: stringScalar(
    'AWSDateTime',
    validDateTime,
    'YYYY-MM-DDThh:mm[:ss[.sss]] with Z or an offset',
  ),
  AWSEmail: stringScalar('AWSEmail', (text) => EMAIL.test(text), 'an email address'),
  AWSPhone: stringScalar('AWSPhone', (text) => PHONE.test(text), 'a phone number'),
  AWSURL: stringScalar('AWSURL', (text) => URL.canParse(text), 'an absolute URL'),
  AWSIPAddress: stringScalar(
    'AWSIPAddress',
    (text) =>
      /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/.test(text) || /^[0-9a-fA-F:]+(\/\d{1,3})?$/.test(text),
    'an IPv4 or IPv6 address',
  ),
  AWSTimestamp: new GraphQLScalarType({
    name: 'AWSTimestamp',
    description: 'seconds since the epoch',
    serialize: (value) => value,
    parseValue(value) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new GraphQLError(`Invalid AWSTimestamp value: ${JSON.stringify(value)}`);
      }
      return value;
    },
    parseLiteral(ast) {
      if (ast.kind !== Kind.INT)
        throw new GraphQLError('AWSTimestamp literals must be integers', { nodes: ast });
      return Number(ast.value);
    },
  }),
  AWSJSON: new GraphQLScalarType({
    name: 'AWSJSON',
    description: 'a JSON document in a string',
    serialize: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
    parseValue(value) {
      if (typeof value !== 'string')
        throw new GraphQLError('AWSJSON values must be strings holding JSON');
      try {
        return JSON.parse(value) as unknown;
      } catch {
        throw new GraphQLError(`Invalid AWSJSON value: ${value}`);
      }
    },
    parseLiteral(ast) {
      const text = jsonLiteral(ast) as string;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new GraphQLError(`Invalid AWSJSON literal: ${text}`, { nodes: ast });
      }
    },
  }),
};
