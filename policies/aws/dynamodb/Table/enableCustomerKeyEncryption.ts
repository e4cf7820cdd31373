import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ResourceValidationPolicy } from '@pulumi/policy';

export const enableCustomerKeyEncryption: ResourceValidationPolicy = {
  name: 'aws-dynamodb-table-enable-customer-key-encryption',
  description: 'Checks that DynamoDB tables are encrypted with a customer-managed KMS key.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, reportViolation) => {
    const sse = table.serverSideEncryption;
    if (sse?.enabled !== true || sse.kmsKeyArn === undefined || sse.kmsKeyArn === '') {
      reportViolation(
        'DynamoDB tables must be encrypted with the project key: set serverSideEncryption to { enabled: true, kmsKeyArn: <project key ARN> }.',
      );
    }
  }),
};
