/**
 * `LOCAL_EXECUTION_MODE` and `LOCAL_EXECUTION_WINDOW_SECONDS` (`local/execution-mode.ts`): the
 * local stack runs the dev config's execution mode unless they say otherwise, and a bad value
 * fails with a message that names them.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/api-settings.ts';
import { withLocalExecution } from '#local/execution-mode.ts';
import { devStackConfig } from '#local/stack.ts';

const dev = devStackConfig();

describe('withLocalExecution', () => {
  it('keeps the dev stack’s own mode (per-slot) when neither variable is set', () => {
    expect(withLocalExecution(dev, {}).execution).toEqual({ mode: 'per-slot' });
  });

  it('runs aggregated with 60-second windows for LOCAL_EXECUTION_MODE=aggregated', () => {
    expect(withLocalExecution(dev, { LOCAL_EXECUTION_MODE: 'aggregated' }).execution).toEqual({
      mode: 'aggregated',
      windowSeconds: 60,
      maxOrderMinor: {},
    });
  });

  it('takes the window from LOCAL_EXECUTION_WINDOW_SECONDS', () => {
    expect(
      withLocalExecution(dev, {
        LOCAL_EXECUTION_MODE: 'aggregated',
        LOCAL_EXECUTION_WINDOW_SECONDS: '30',
      }).execution,
    ).toEqual({ mode: 'aggregated', windowSeconds: 30, maxOrderMinor: {} });
  });

  it('keeps an aggregated dev config’s block limits when only the window changes', () => {
    const aggregated = {
      ...dev,
      execution: { mode: 'aggregated', windowSeconds: 60, maxOrderMinor: { EUR: '25000000' } },
    } as const;
    expect(
      withLocalExecution(aggregated, { LOCAL_EXECUTION_WINDOW_SECONDS: '300' }).execution,
    ).toEqual({ mode: 'aggregated', windowSeconds: 300, maxOrderMinor: { EUR: '25000000' } });
  });

  it('refuses an unknown mode, naming the variables', () => {
    expect(() => withLocalExecution(dev, { LOCAL_EXECUTION_MODE: 'batched' })).toThrow(
      new ConfigurationError(
        'LOCAL_EXECUTION_MODE="batched" LOCAL_EXECUTION_WINDOW_SECONDS="": execution.mode must be one of per-slot, aggregated (got "batched")',
      ),
    );
  });

  it('refuses a window that does not divide a day or is no number', () => {
    for (const window of ['7', '61', 'sixty']) {
      expect(() =>
        withLocalExecution(dev, {
          LOCAL_EXECUTION_MODE: 'aggregated',
          LOCAL_EXECUTION_WINDOW_SECONDS: window,
        }),
      ).toThrow(
        new ConfigurationError(
          `LOCAL_EXECUTION_MODE="aggregated" LOCAL_EXECUTION_WINDOW_SECONDS="${window}": execution.windowSeconds must be a whole number of seconds from 10 to 900 that divides a day (e.g. 30, 60, 300)`,
        ),
      );
    }
  });

  it('refuses a window for per-slot execution', () => {
    expect(() => withLocalExecution(dev, { LOCAL_EXECUTION_WINDOW_SECONDS: '30' })).toThrow(
      new ConfigurationError(
        'LOCAL_EXECUTION_WINDOW_SECONDS applies to aggregated execution only: set LOCAL_EXECUTION_MODE=aggregated too',
      ),
    );
  });
});
