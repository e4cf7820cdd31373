/**
 * `npm run compliance -- --stack dev`, in-process: no mandatory violation on the dev stack.
 * DynamoDB.6 is not enforced on dev: deletion protection is off there by design (Pulumi.dev.yaml).
 */
import { describeCompliance } from './compliance.ts';

describeCompliance('dev', {
  coverage: '35 of 36 applicable FSBP controls enforced',
  advisories: [],
});
