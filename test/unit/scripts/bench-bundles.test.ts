/**
 * `npm run bench:bundles -- --packages <function>`: what a bundle holds, by npm package, read from
 * the bundle's own output (not its source map's, which esbuild lists with no inputs).
 */
import { describe, expect, it } from 'vitest';
import { packagesOf } from '../../../scripts/bench-bundles.ts';

describe('bench:bundles --packages', () => {
  it("lists a bundle's packages, largest first, adding up to the bundle", async () => {
    const lines = await packagesOf('slot-outcomes');
    const rows = lines.map((line) => {
      const [, kib, name] = /^\s*([\d.]+) KiB {2}(.+)$/.exec(line) ?? [];
      return { kib: Number(kib), name };
    });
    expect(rows.map((row) => row.name)).toContain('(project)');
    expect(rows.map((row) => row.name)).toContain('@aws-lambda-powertools/logger');
    const sizes = rows.map((row) => row.kib);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes.reduce((sum, kib) => sum + kib, 0)).toBeGreaterThan(40);
  });
});
