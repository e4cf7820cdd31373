/**
 * `npm run bench:bundles`: every Lambda's bundle size and its module load time (a cold `import()`
 * of the bundle in a fresh Node process, median of 5), in about a minute and without the local
 * stack. `bench:purchases` prints the same table after its run.
 *
 *   npm run bench:bundles
 *   npm run bench:bundles -- --runs 9
 *   npm run bench:bundles -- --packages place-order   # what is in a bundle, by package
 *
 * Each import is timed twice, in two fresh processes: in a bare Node process (the figure issue 15
 * set its target against), and after the modules the Lambda runtime itself loads before it loads
 * the handler ({@link RUNTIME_PRELOADED}), which is what a cold start on Lambda adds for the
 * handler's module.
 *
 * Each function is imported with the environment it gets when deployed (the dev stack's values,
 * from `functionVariables`), so a module that checks its configuration at cold start does so here.
 * No AWS credentials are set: as on Lambda, nothing may call AWS while loading.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundleFunctions, bundleOptions, writeBundle } from '#build/functions.ts';
import type { FunctionVariable } from '#shared/functions.ts';
import { devStackConfig } from '#local/stack.ts';
import { parseExecutionSettings } from '#shared/execution-settings.ts';
import { functionVariables, topology } from '#shared/topology.ts';

/** One Lambda's row of the table. */
export interface ColdStart {
  readonly name: string;
  /** Bytes of the bundle (`index.mjs`). */
  readonly bytes: number;
  /** Median of the runs, in milliseconds, from `import()` called to settled, in a bare process. */
  readonly medianMs: number;
  /** The same after the runtime's own modules ({@link RUNTIME_PRELOADED}) are loaded. */
  readonly inRuntimeMs: number;
}

/**
 * What the Lambda Node.js runtime has loaded before it imports the handler. Its runtime interface
 * client (https://github.com/aws/aws-lambda-nodejs-runtime-interface-client) creates its Runtime
 * API client, whose module requires `node:http` at the top level (`src/client/rapid-client.ts`),
 * before it loads the user function (`src/utils/runtime-setup.ts`: `RAPIDClient.create`, then
 * `UserFunctionLoader.load`), and its entry point requires `node:worker_threads`
 * (`src/worker/ignition.ts`). The SDK's HTTP handler imports `node:http` too: in a bare process
 * the handler's import pays for loading it (10 to 20 ms on a quiet benchmark machine), on Lambda it
 * does not.
 */
export const RUNTIME_PRELOADED = ['node:http', 'node:worker_threads'] as const;

/**
 * The environment of every function on the dev stack, with plausible stand-in resources, in
 * aggregated execution: the functions that only run in that mode load as they would there.
 */
export function deployedVariables(): Record<FunctionVariable, string> {
  const config = {
    ...devStackConfig(),
    execution: parseExecutionSettings({ mode: 'aggregated' }),
  };
  const names = { prefix: 'bench', region: 'eu-central-1', accountId: '000000000000' };
  return functionVariables(topology(names, config.notifications), config, {
    kmsKeyArn: 'arn:aws:kms:eu-central-1:000000000000:key/bench',
    retryQueueUrl: 'http://127.0.0.1:1/000000000000/bench-purchase-retries',
    blockOrdersQueueUrl: 'http://127.0.0.1:1/000000000000/bench-block-orders',
    flags: {
      application: 'bench',
      environment: 'bench',
      profile: 'flags',
      emergencyEnvironment: 'bench-emergency',
      emergencyProfile: 'emergency',
    },
    exchangeSecretArn: null,
    readOnlyExchangeSecretArn: null,
    auditSigningKeyArn: 'arn:aws:kms:eu-central-1:000000000000:key/bench-audit',
    smsProtectConfigurationId: null,
    exchange: { kind: 'paper-http', url: 'http://127.0.0.1:1', timeoutMs: 3000 },
  }) as Record<FunctionVariable, string>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
}

/**
 * Bundles every Lambda (or reads the prebuilt bundles, `SAVINGS_PLAN_BUY_PREBUILT`) and imports
 * each `runs` times, each time in a fresh Node process: the module load part of a cold start.
 */
export async function coldStarts(runs = 5): Promise<ColdStart[]> {
  const env = { ...process.env, AWS_REGION: 'eu-central-1', ...deployedVariables() };
  const rows: ColdStart[] = [];
  for (const [name, bundle] of await bundleFunctions()) {
    const url = pathToFileURL(writeBundle(bundle)).href;
    const timed = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
    const preload = RUNTIME_PRELOADED.map((module) => `await import('${module}');`).join(' ');
    const load = (script: string): number => {
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        env,
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`${name} did not load: ${result.stderr}`);
      return Number(result.stdout.trim());
    };
    const bare: number[] = [];
    const inRuntime: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      bare.push(load(timed));
      inRuntime.push(load(`${preload} ${timed}`));
    }
    rows.push({
      name,
      bytes: Buffer.byteLength(bundle.code),
      medianMs: median(bare),
      inRuntimeMs: median(inRuntime),
    });
  }
  return rows;
}

/** The Markdown table of {@link coldStarts}, one line per row, header included. */
export function coldStartTable(rows: readonly ColdStart[], runs = 5): string[] {
  return [
    `| Lambda | bundle | module load, bare process (median of ${runs}) | module load after the runtime's own modules (median of ${runs}) |`,
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${(row.bytes / 1024).toFixed(0)} KiB | ${row.medianMs.toFixed(0)} ms | ${row.inRuntimeMs.toFixed(0)} ms |`,
    ),
  ];
}

/** What one function's bundle holds, by npm package (or `(project)`), largest first. */
export async function packagesOf(name: string): Promise<string[]> {
  const result = await build({ ...bundleOptions([name]), metafile: true });
  // The bundle, not its source map (which esbuild lists as an output with no inputs).
  const output = Object.entries(result.metafile.outputs).find(([file]) =>
    file.endsWith('.js'),
  )?.[1];
  if (output === undefined) throw new Error(`esbuild produced no bundle for ${name}`);
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? '(project)';
    sizes.set(key, (sizes.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...sizes]
    .sort((a, b) => b[1] - a[1])
    .map(([key, bytes]) => `${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${key}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, packages: { type: 'string' } },
  });
  if (values.packages !== undefined) {
    for (const line of await packagesOf(values.packages)) console.log(line);
  } else {
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
    const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    console.log(`Machine: ${machine}\n`);
    for (const line of coldStartTable(await coldStarts(runs), runs)) console.log(line);
  }
}
