/**
 * The mocked program runner lives in `policies/report/program.ts` (the compliance report uses it
 * too); the infra tests import it from here.
 */
export * from '../../../policies/report/program.ts';

/** A policy input (JSON string) as an object. */
export function policy(value: unknown): { Version: string; Statement: Record<string, unknown>[] } {
  return JSON.parse(value as string) as { Version: string; Statement: Record<string, unknown>[] };
}
