/**
 * The one exception class body that every bundled AWS SDK client's exceptions share, in place of
 * the SDK's one verbose class per exception (`build/sdk-plugins.ts`, `compactSdkExceptions`,
 * generates each client's module as calls to {@link sdkExceptions}). Runs inside the Lambdas.
 */

/** The options an SDK exception's constructor takes: `message`, `$metadata` and its fields. */
type ExceptionOptions = Readonly<Record<string, unknown>>;

/** A service's base exception (`DynamoDBServiceException`, ...), which extends `ServiceException`. */
type ServiceBaseException = new (options: ExceptionOptions) => Error;

/** What the SDK's `$retryable` trait holds (`{}` or `{ throttling: true }`). */
type Retryable = Readonly<Record<string, boolean>>;

/**
 * A function defining one exception class of the service whose base exception and Smithy
 * namespace `sdkExceptions` was given: `name`, `fault` (`$fault`), the modelled `fields` the
 * constructor copies from its options, in the SDK's order, and the `$retryable` trait if any.
 */
export type ExceptionClassFactory = (
  name: string,
  fault: 'client' | 'server',
  fields?: readonly string[],
  retryable?: Retryable,
) => ServiceBaseException;

/**
 * The factory of a service's exception classes. Each class it returns is distinct, named
 * `name` (the SDK's `instanceof` and Powertools compare constructor names), has the static
 * `shapeId` `<namespace>#<name>` when `namespace` is given (the SDK's `instanceof` compares shape
 * ids first; without one, the client's error registry assigns it), and builds instances exactly
 * as the SDK's generated class does, in the same order, so that even their keys enumerate alike:
 * the base constructor with `{ name, $fault, ...opts }`, then the class fields `name`, `$fault`
 * and a fresh `$retryable`, the prototype set again (a subclass's instance becomes this class's,
 * as in the SDK), then each field copied from `opts` (the SDK declares each first, as undefined,
 * which leaves the same keys in the same order).
 */
export function sdkExceptions(
  Base: ServiceBaseException,
  namespace: string | undefined,
): ExceptionClassFactory {
  return (name, fault, fields = [], retryable) => {
    const Exception = class extends Base {
      constructor(opts: ExceptionOptions) {
        super({ name, $fault: fault, ...opts });
        const self = this as unknown as Record<string, unknown>;
        self.name = name;
        self.$fault = fault;
        if (retryable !== undefined) self.$retryable = { ...retryable };
        Object.setPrototypeOf(this, Exception.prototype);
        for (const field of fields) self[field] = opts[field];
      }
    };
    Object.defineProperty(Exception, 'name', { value: name });
    if (namespace !== undefined) {
      (Exception as unknown as { shapeId: string }).shapeId = `${namespace}#${name}`;
    }
    return Exception;
  };
}
