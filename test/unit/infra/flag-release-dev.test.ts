/** How the dev stack deploys its feature flags (`flag-release.ts`). */
import { describeFlagRelease } from './flag-release.ts';

describeFlagRelease('dev', {
  strategyId: 'AppConfig.AllAtOnce',
  customStrategy: null,
});
