import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXECUTION_SETTINGS,
  ExecutionSettingsError,
  parseExecutionSettings,
  readExecutionSettings,
} from '#shared/execution-settings.ts';

describe('parseExecutionSettings', () => {
  it('defaults to per-slot when the key is absent', () => {
    expect(parseExecutionSettings(undefined)).toEqual({ mode: 'per-slot' });
    expect(parseExecutionSettings({ mode: 'per-slot' })).toEqual(DEFAULT_EXECUTION_SETTINGS);
  });

  it('reads aggregated with its window and order limits in minor units', () => {
    expect(
      parseExecutionSettings({
        mode: 'aggregated',
        windowSeconds: 300,
        maxOrderAmount: { EUR: '250000.00', JPY: '1000000' },
      }),
    ).toEqual({
      mode: 'aggregated',
      windowSeconds: 300,
      maxOrderMinor: { EUR: '25000000', JPY: '1000000' },
    });
  });

  it('gives aggregated a 60-second window when it names none', () => {
    expect(parseExecutionSettings({ mode: 'aggregated' })).toEqual({
      mode: 'aggregated',
      windowSeconds: 60,
      maxOrderMinor: {},
    });
  });

  it.each([
    [{ mode: 'batch' }, 'execution.mode must be one of per-slot, aggregated (got "batch")'],
    [{ mode: 'aggregated', windowSeconds: 5 }, 'execution.windowSeconds must be'],
    [{ mode: 'aggregated', windowSeconds: 7 * 60 }, 'execution.windowSeconds must be'],
    [{ mode: 'aggregated', windowSeconds: 60.5 }, 'execution.windowSeconds must be'],
    [{ mode: 'aggregated', maxOrderAmount: { XXX: '1.00' } }, 'XXX is not a supported currency'],
    [{ mode: 'aggregated', maxOrderAmount: { EUR: '0.00' } }, 'maxOrderAmount.EUR must be'],
    [{ mode: 'aggregated', maxOrderAmount: { EUR: '1.001' } }, 'maxOrderAmount.EUR must be'],
    ['aggregated', 'execution must be an object'],
  ])('refuses %j with a message that says what is wrong', (raw, message) => {
    expect(() => parseExecutionSettings(raw)).toThrow(ExecutionSettingsError);
    expect(() => parseExecutionSettings(raw)).toThrow(message);
  });
});

describe('readExecutionSettings', () => {
  it('reads back exactly what the stack parsed', () => {
    const parsed = parseExecutionSettings({
      mode: 'aggregated',
      windowSeconds: 30,
      maxOrderAmount: { EUR: '0.05', USD: '1200.00' },
    });
    expect(readExecutionSettings(JSON.stringify(parsed))).toEqual(parsed);
    expect(readExecutionSettings(JSON.stringify(DEFAULT_EXECUTION_SETTINGS))).toEqual(
      DEFAULT_EXECUTION_SETTINGS,
    );
  });

  it('refuses what is not the JSON of settings', () => {
    expect(() => readExecutionSettings('{')).toThrow('EXECUTION_SETTINGS is not JSON');
    expect(() => readExecutionSettings('{"mode":"aggregated","windowSeconds":1}')).toThrow(
      ExecutionSettingsError,
    );
  });
});
