/**
 * Reading resource properties safely. During `pulumi preview` CrossGuard hands policies a proxy
 * that throws an `UnknownValueError` when a value is not known yet (an ARN of a resource still to
 * be created); CrossGuard turns that into an advisory "can't run during preview" and checks again
 * on `pulumi up`, when every input is known. These helpers let a policy decide anyway where an
 * unknown value is enough (a key ARN that is unknown is a key of the stack, not an AWS managed
 * alias), and let stack policies skip one resource instead of the whole stack.
 */

/** True for the error CrossGuard's proxy throws on a value that is unknown during preview. */
export function isUnknownValueError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'UnknownValueError';
}

/** The value `read` returns, or `unknown` when it is not known yet. */
export function peek<T>(read: () => T): { known: true; value: T } | { known: false } {
  try {
    return { known: true, value: read() };
  } catch (error) {
    if (isUnknownValueError(error)) return { known: false };
    throw error;
  }
}

/** Runs `check` on each item; an item with a value unknown during preview is skipped. */
export function forEachKnown<T>(items: Iterable<T>, check: (item: T) => void): void {
  for (const item of items) {
    try {
      check(item);
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
    }
  }
}

/** A string property, or undefined when it is absent or not a string. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An object property, or undefined when it is absent or not an object. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A list property (one value counts as a list of one), or an empty list. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOf(urn: string): string {
  const head = urn.split('::')[0] ?? '';
  return head.startsWith('urn:pulumi:') ? head.slice('urn:pulumi:'.length) : '';
}

/** The last segment of a URN, the resource's name. */
export function nameOf(urn: string): string {
  return urn.split('::').at(-1) ?? urn;
}

/**
 * Whether a key reference names a customer managed key. AWS managed keys are only reachable
 * through their `alias/aws/<service>` aliases; a reference unknown during preview is an output of
 * another resource (the stack's key), never such a literal alias.
 */
export function isCustomerManagedKey(read: () => unknown): boolean {
  const key = peek(read);
  if (!key.known) return true;
  return typeof key.value === 'string' && key.value !== '' && !key.value.includes('alias/aws/');
}

/**
 * Whether a property is set: a value other than undefined, null or "", or one that is unknown
 * during preview (then it is an output of another resource, which is set).
 */
export function isSet(read: () => unknown): boolean {
  const value = peek(read);
  return !value.known || (value.value !== undefined && value.value !== null && value.value !== '');
}
