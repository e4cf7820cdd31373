/** Placeholder until part A2's block worker lands: declared and bundled, never meant to run. */
export const handler = async (): Promise<never> => {
  throw new Error('block-worker: not built yet');
};
