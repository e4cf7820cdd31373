/** How the prod stack deploys its feature flags (`flag-release.ts`). */
import { describeFlagRelease } from './flag-release.ts';

describeFlagRelease('prod', {
  strategyId: 'AppConfig.Linear20PercentEvery6Minutes',
  customStrategy: null,
});
