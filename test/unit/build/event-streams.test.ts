/**
 * `noEventStreams` (`build/sdk-plugins.ts`): the event-stream codec is left out of the bundles,
 * for the clients that import it lazily and for S3 and Lambda, which import it statically. A
 * client still builds and sends ordinary requests; an event-stream operation fails with a message
 * that says why; code outside the SDK clients that imports the codec keeps it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { LAMBDA_CODE_OPTIONS } from '#build/functions.ts';
import { noEventStreams } from '#build/sdk-plugins.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'event-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles `contents` as the Lambdas are bundled, with or without the plugin. */
async function bundle(contents: string, withPlugin: boolean) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    write: false,
    ...LAMBDA_CODE_OPTIONS,
    logLevel: 'silent',
    metafile: true,
    plugins: withPlugin ? [noEventStreams] : [],
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (output === undefined || meta === undefined) throw new Error('esbuild wrote nothing');
  const codec = Object.entries(meta.inputs).filter(
    ([file, input]) => file.includes('event-streams/eventstream-codec') && input.bytesInOutput > 0,
  );
  return { code: output.text, codecModules: codec.length };
}

async function load(code: string): Promise<Record<string, unknown>> {
  const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

const S3_MODULE = `
import { S3Client, SelectObjectContentCommand } from '@aws-sdk/client-s3';
export const client = new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
export const Select = SelectObjectContentCommand;
`;

describe('the event-stream codec in the bundles', () => {
  it('is left out of an S3 client, which imports it statically', async () => {
    const without = await bundle(S3_MODULE, false);
    const with_ = await bundle(S3_MODULE, true);
    expect(without.codecModules).toBeGreaterThan(0);
    expect(with_.codecModules).toBe(0);
    expect(with_.code.length).toBeLessThan(without.code.length - 5 * 1024);
  }, 60_000);

  it('leaves a client that builds, whose marshaller says why on use', async () => {
    const { client } = (await load((await bundle(S3_MODULE, true)).code)) as {
      client: { config: { eventStreamMarshaller: { deserialize: () => unknown } } };
    };
    expect(() => client.config.eventStreamMarshaller.deserialize()).toThrow(
      /event streams are not bundled/,
    );
  }, 60_000);

  it('keeps the codec for code outside the SDK clients', async () => {
    const own = await bundle(
      "import { EventStreamCodec } from '@smithy/core/event-streams'; export const codec = EventStreamCodec;",
      true,
    );
    expect(own.codecModules).toBeGreaterThan(0);
  }, 60_000);
});
