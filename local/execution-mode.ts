/**
 * The local stack runs in the dev stack's execution mode (`Pulumi.dev.yaml`, key `execution`)
 * unless the environment says otherwise:
 *
 *   LOCAL_EXECUTION_MODE=aggregated npm start                 block orders per market and window
 *   LOCAL_EXECUTION_MODE=aggregated LOCAL_EXECUTION_WINDOW_SECONDS=30 npm start
 *
 * A bad value fails `npm start` with a message that names the variable and what it takes.
 */
import { ConfigurationError } from '#shared/api-settings.ts';
import {
  DEFAULT_WINDOW_SECONDS,
  ExecutionSettingsError,
  parseExecutionSettings,
  type ExecutionSettings,
} from '#shared/execution-settings.ts';
import type { StackConfig } from '#shared/stack-config.ts';

/** The config with `execution` as `LOCAL_EXECUTION_MODE` and `LOCAL_EXECUTION_WINDOW_SECONDS` say. */
export function withLocalExecution(
  config: StackConfig,
  environment: NodeJS.ProcessEnv = process.env,
): StackConfig {
  const mode = environment.LOCAL_EXECUTION_MODE ?? '';
  const window = environment.LOCAL_EXECUTION_WINDOW_SECONDS ?? '';
  if (mode === '' && window === '') return config;
  const chosen = mode === '' ? config.execution.mode : mode;
  if (chosen === 'per-slot' && window !== '') {
    throw new ConfigurationError(
      'LOCAL_EXECUTION_WINDOW_SECONDS applies to aggregated execution only: set LOCAL_EXECUTION_MODE=aggregated too',
    );
  }
  const windowSeconds =
    window !== ''
      ? Number(window)
      : config.execution.mode === 'aggregated'
        ? config.execution.windowSeconds
        : DEFAULT_WINDOW_SECONDS;
  let execution: ExecutionSettings;
  try {
    execution = parseExecutionSettings({ mode: chosen, windowSeconds });
  } catch (error) {
    if (!(error instanceof ExecutionSettingsError)) throw error;
    throw new ConfigurationError(
      `LOCAL_EXECUTION_MODE=${JSON.stringify(mode)} LOCAL_EXECUTION_WINDOW_SECONDS=${JSON.stringify(window)}: ${error.message}`,
    );
  }
  // The dev stack's block size limits still hold when only the mode or window is overridden.
  if (execution.mode === 'aggregated' && config.execution.mode === 'aggregated') {
    execution = { ...execution, maxOrderMinor: config.execution.maxOrderMinor };
  }
  return { ...config, execution };
}
