/**
 * Runs one component on its own under Pulumi's mocks, recording every resource it registers, as
 * `program.ts` does for the whole program. The mocks are set first; the component module is then
 * imported and instantiated by `create` inside the mocked runtime (resources created before
 * `setMocks` are invisible). One run per test file: Pulumi's runtime state is per process.
 */
import * as pulumi from '@pulumi/pulumi';
import { ACCOUNT, REGION, computedState, type RegisteredResource } from './program.ts';

export { ACCOUNT, REGION };

export interface ComponentRun<T> {
  readonly component: T;
  readonly resources: RegisteredResource[];
  /** The one resource of `type` (named `name`); fails when absent or ambiguous. */
  one(type: string, name?: string): RegisteredResource;
  all(type: string): RegisteredResource[];
  /** The resolved value of one of the component's outputs. */
  value<V>(output: pulumi.Output<V>): Promise<V>;
}

export async function runComponent<T>(create: () => Promise<T>): Promise<ComponentRun<T>> {
  const resources: RegisteredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        resources.push({ type: args.type, name: args.name, inputs });
        // Buckets are known by their name, as in AWS.
        const id = args.type === 'aws:s3/bucket:Bucket' ? String(inputs.bucket) : `${args.name}-id`;
        return { id, state: { ...inputs, ...computedState(args.type, args.name, inputs) } };
      },
      call(args) {
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    'savings-plan-buy',
    'test',
    false,
  );
  const component = await create();
  const value = <V>(output: pulumi.Output<V>) =>
    new Promise<V>((resolve) => output.apply((resolved) => resolve(resolved)));
  // Resources register asynchronously; wait until registration has settled.
  let count = -1;
  while (count !== resources.length) {
    count = resources.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const all = (wanted: string) => resources.filter((resource) => resource.type === wanted);
  return {
    component,
    resources,
    all,
    value,
    one(wanted, name) {
      const matches = all(wanted).filter(
        (resource) => name === undefined || resource.name === name,
      );
      if (matches.length !== 1) {
        throw new Error(
          `expected one ${wanted}${name === undefined ? '' : ` named ${name}`}, found ${matches.length}`,
        );
      }
      return matches[0] as RegisteredResource;
    },
  };
}
