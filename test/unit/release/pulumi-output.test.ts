import { afterEach, describe, expect, it } from 'vitest';
import { ReleaseInputError, pulumiStackOutput } from '../../../scripts/lib/release/targets.ts';

const PATH = process.env.PATH;

afterEach(() => {
  process.env.PATH = PATH;
});

describe('reading the stack outputs with the Pulumi CLI', () => {
  it('says how to go on without the CLI when pulumi is not on PATH', async () => {
    process.env.PATH = '/nonexistent';
    const read = pulumiStackOutput('dev', 'release');
    await expect(read).rejects.toBeInstanceOf(ReleaseInputError);
    await expect(read).rejects.toThrow(
      "the Pulumi CLI is not on PATH (needed to read the stack's outputs); install it, or pass the outputs as a file (--targets for release, --outputs for smoke) from: pulumi stack output release --json --stack dev",
    );
  });

  it('refuses a stack name that is not one', async () => {
    await expect(pulumiStackOutput('dev; rm -rf /')).rejects.toThrow(
      'not a stack name: dev; rm -rf /',
    );
  });
});
