/**
 * What `@pulumi/aws` itself says about a resource type, read from the installed package: whether
 * the type takes `tags`. Keeps the tags policy's list of taggable types honest.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const AWS_ROOT = dirname(require.resolve('@pulumi/aws/package.json'));

/** Whether the resource type (`aws:<module>/<file>:<Class>`) has a `tags` input. */
export function takesTags(type: string): boolean {
  const match = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(type);
  if (match === null) throw new Error(`not an @pulumi/aws resource type: ${type}`);
  const source = readFileSync(
    join(AWS_ROOT, match[1] as string, `${match[2] as string}.js`),
    'utf8',
  );
  return source.includes('resourceInputs["tags"] = args');
}
