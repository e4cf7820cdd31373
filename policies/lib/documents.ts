/**
 * IAM policy documents (identity policies, trust policies and resource policies) as plain,
 * normalized statements, so that every policy reads `Action`, `Resource`, `Principal` and
 * `Condition` the same way, whether the program gave a JSON string or an object, one value or a
 * list.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */
import { list, record, text } from './values.ts';

export interface Statement {
  /** The statement's `Sid`, or its position (`#1`) when it has none: violations name it. */
  readonly id: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  /** `NotAction`: the statement applies to every action but these. */
  readonly notActions: readonly string[] | undefined;
  readonly resources: readonly string[];
  readonly notResources: readonly string[] | undefined;
  /** Principals by kind (`AWS`, `Service`, `Federated`, `CanonicalUser`); `"*"` is `{ AWS: ["*"] }`. */
  readonly principals: Readonly<Record<string, readonly string[]>> | undefined;
  readonly notPrincipal: boolean;
  /** `Condition` as operator, then key, then values. */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>>;
}

function strings(value: unknown): string[] {
  return list(value).filter((item): item is string => typeof item === 'string');
}

function principals(value: unknown): Record<string, string[]> | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return { AWS: ['*'] };
  const byKind = record(value);
  if (byKind === undefined) return {};
  return Object.fromEntries(Object.entries(byKind).map(([kind, ids]) => [kind, strings(ids)]));
}

/**
 * The statements of a policy document, or undefined when it is not a document (invalid JSON: AWS
 * refuses it at deployment anyway).
 */
export function statementsOf(document: unknown): Statement[] | undefined {
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  const body = record(parsed);
  if (body === undefined) return undefined;
  return list(body.Statement).flatMap((raw, index) => {
    const statement = record(raw);
    if (statement === undefined) return [];
    const conditions = record(statement.Condition) ?? {};
    return [
      {
        id: text(statement.Sid) ?? `#${index + 1}`,
        effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions: strings(statement.Action),
        notActions: statement.NotAction === undefined ? undefined : strings(statement.NotAction),
        resources: strings(statement.Resource),
        notResources:
          statement.NotResource === undefined ? undefined : strings(statement.NotResource),
        principals: principals(statement.Principal ?? statement.NotPrincipal),
        notPrincipal: statement.NotPrincipal !== undefined,
        conditions: Object.fromEntries(
          Object.entries(conditions).map(([operator, keys]) => [
            operator,
            Object.fromEntries(
              Object.entries(record(keys) ?? {}).map(([key, values]) => [key, list(values)]),
            ),
          ]),
        ),
      } satisfies Statement,
    ];
  });
}

/** IAM's wildcard matching (`*` any run of characters, `?` one), case-insensitive. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const expression = pattern
    .split('')
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${expression}$`, 'i').test(value);
}

/** Whether an Allow statement grants `action` (through `Action` or `NotAction`). */
export function allowsAction(statement: Statement, action: string): boolean {
  if (statement.effect !== 'Allow') return false;
  if (statement.notActions !== undefined) {
    return !statement.notActions.some((pattern) => wildcardMatches(pattern, action));
  }
  return statement.actions.some((pattern) => wildcardMatches(pattern, action));
}

/** Every condition key the statement tests (lower case), with the operator it is tested with. */
export function conditionKeys(statement: Statement): { operator: string; key: string }[] {
  return Object.entries(statement.conditions).flatMap(([operator, keys]) =>
    Object.keys(keys).map((key) => ({ operator, key: key.toLowerCase() })),
  );
}

/**
 * Condition keys that narrow "anyone" down to known accounts, organizations, networks or AWS
 * resources: a statement for `"*"` with one of them is not public (Security Hub's notion).
 */
const NARROWING_KEYS = new Set([
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourceowner',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceip',
  'aws:userid',
  'kms:calleraccount',
]);

/** Whether the statement narrows its principals with a positive test of a narrowing key. */
export function narrowsPrincipals(statement: Statement): boolean {
  return Object.entries(statement.conditions).some(
    ([operator, keys]) =>
      !/Not/.test(operator) &&
      Object.entries(keys).some(
        ([key, values]) =>
          NARROWING_KEYS.has(key.toLowerCase()) &&
          values.length > 0 &&
          values.every((value) => value !== '*'),
      ),
  );
}

/**
 * Whether an Allow statement of a resource or trust policy lets anyone in: a `"*"` principal (or
 * `NotPrincipal`) without a condition that narrows it.
 */
export function isPublic(statement: Statement): boolean {
  if (statement.effect !== 'Allow') return false;
  const everyone =
    statement.notPrincipal ||
    Object.values(statement.principals ?? {}).some((ids) => ids.includes('*'));
  return everyone && !narrowsPrincipals(statement);
}
