/**
 * A stack whose `release.flags` is a strategy of its own (`flag-release.ts`): the program creates
 * it and every flags deployment uses it.
 */
import { describeFlagRelease } from './flag-release.ts';

describeFlagRelease('staging', {
  overrides: {
    release: {
      functions: 'Canary10Percent5Minutes',
      stateMachine: { type: 'canary', percent: 10, intervalMinutes: 5 },
      flags: {
        growthType: 'EXPONENTIAL',
        growthFactor: 10,
        deploymentMinutes: 30,
        finalBakeMinutes: 15,
      },
    },
  },
  strategyId: 'flags-strategy-id',
  customStrategy: {
    name: 'savings-plan-buy-staging-flags',
    description: 'Flags: EXPONENTIAL by 10 % over 30 min, alarms watched 15 min after',
    growthType: 'EXPONENTIAL',
    growthFactor: 10,
    deploymentDurationInMinutes: 30,
    finalBakeTimeInMinutes: 15,
    replicateTo: 'NONE',
  },
});
