/** The run's DynamoDB Local, for integration tests (see `dynamodb-setup.ts`). */
import { inject } from 'vitest';

/**
 * The run's DynamoDB Local, which only the integration and soak tiers start: a unit test that
 * reaches for it fails here with the reason, instead of quietly starting a database of its own.
 */
export function sharedDynamoDbEndpoint(): string {
  const endpoint = inject('dynamodbEndpoint');
  if (endpoint === undefined) {
    throw new Error(
      'this test needs DynamoDB Local, which the unit tier does not start: move it to test/integration/',
    );
  }
  return endpoint;
}
