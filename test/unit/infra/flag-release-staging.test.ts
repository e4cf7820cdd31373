/** How the staging stack deploys its feature flags (`flag-release.ts`). */
import { describeFlagRelease } from './flag-release.ts';

describeFlagRelease('staging', {
  strategyId: 'AppConfig.Linear20PercentEvery6Minutes',
  customStrategy: null,
});
