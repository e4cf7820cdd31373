/** The dev stack's releases under Pulumi mocks: every change at once, still watched (`releases.ts`). */
import { describeReleases } from './releases.ts';

describeReleases('dev', {
  deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce',
  stateMachine: { type: 'all-at-once' },
});
