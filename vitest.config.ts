import { defineConfig } from 'vitest/config';

/**
 * Three tiers, one folder each under `test/`:
 * - `unit`: no DynamoDB, no local stack, no child process (in-process code, Pulumi mocks, the
 *   policy pack, in-process stand-ins on loopback): seconds. `npm run test:unit` for the edit loop.
 * - `integration`: DynamoDB Local and local stacks, end to end over HTTP.
 * - `soak`: the fault matrix and whatever else runs for minutes (`npm run test:soak`).
 * `npm test` runs unit and integration; `.ci/run` runs the soak tier as well.
 */
const bundlesOnce = 'test/support/bundles-setup.ts';
const dynamodbLocal = 'test/support/dynamodb-setup.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files mostly wait on DynamoDB Local, timers and worker threads, so a third
    // worker beside two cores keeps both busy.
    maxWorkers: 3,
    setupFiles: ['test/support/prebuilt-env.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], globalSetup: [bundlesOnce] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: [bundlesOnce, dynamodbLocal],
        },
      },
      {
        extends: true,
        test: {
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          globalSetup: [bundlesOnce, dynamodbLocal],
        },
      },
    ],
  },
});
