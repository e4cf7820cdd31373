/**
 * PLACEHOLDER while issue 14 is under way: part of the contract, replaced by its implementation
 * before the issue is resolved. Every invocation fails loudly.
 */
export const handler = async (): Promise<never> => {
  throw new Error('email-feedback is not implemented yet');
};
