/** The prod stack's releases under Pulumi mocks: 10 % for 5 minutes, then all (`releases.ts`). */
import { describeReleases } from './releases.ts';

describeReleases('prod', {
  deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  stateMachine: { type: 'canary', percent: 10, intervalMinutes: 5 },
});
