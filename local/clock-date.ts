/**
 * Replaces `Date` in a worker thread with one that follows the local stack's clock: `new Date()`
 * and `Date.now()` add the clock's offset, read from shared memory on every call.
 */
export function installClockDate(offset: BigInt64Array): void {
  const RealDate = Date;
  const shift = () => Number(Atomics.load(offset, 0));

  class ClockDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + shift());
      else super(...(args as [string]));
    }

    static override now(): number {
      return RealDate.now() + shift();
    }
  }

  globalThis.Date = ClockDate as DateConstructor;
}
