/**
 * The local console on `GET /`: one page that shows what the local stack is doing, for a person
 * at a browser. Dashboards drawn from the same definitions as the deployed CloudWatch dashboards
 * (`GET /_local/dashboards`, `POST /_local/metrics/query`), the alarms (`GET /_local/alarms`),
 * the dead letters with a redrive button per queue, the outbox with its emails rendered, the
 * recent purchase workflow executions with the path each took, and the clock with a form to
 * advance it. The page only reads and calls the `/_local/` endpoints, so it shows nothing those
 * do not; a panel whose endpoint is missing (404) says so and the rest keeps working.
 *
 * Like GraphiQL (`graphiql.ts`), everything the page loads comes from the stack itself: uPlot (a
 * pinned npm dependency) from `node_modules` under `/console/assets/`, and the page's own script,
 * `local/console-page/`, bundled by esbuild on its first request (TypeScript, no build step
 * before `npm start`). No CDN: it works on a machine without internet.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { AlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { QueueKey } from '#shared/topology.ts';
import type { Handler } from './http.ts';

/** Where the npm packages' files are served; one route per allow-listed file, nothing else. */
export const CONSOLE_ASSETS_PATH = '/console/assets';

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

interface Asset {
  /** The npm package that ships the file (a dependency in package.json). */
  readonly packageName: string;
  /** The file's path inside the package. */
  readonly file: string;
  readonly contentType: string;
}

/**
 * The npm files the page loads, by the name they are served under. A request for any other name
 * under {@link CONSOLE_ASSETS_PATH} has no route (404), so no path reaches another file.
 */
export const CONSOLE_ASSETS = {
  'uPlot.iife.min.js': {
    packageName: 'uplot',
    file: 'dist/uPlot.iife.min.js',
    contentType: JAVASCRIPT,
  },
  'uPlot.min.css': { packageName: 'uplot', file: 'dist/uPlot.min.css', contentType: CSS },
} as const satisfies Record<string, Asset>;

/**
 * The sections of `GET /_local/dead-letters` that are a dead-letter queue of the topology, and
 * which: the key the page sends to `POST /_local/dead-letters/redrive`. `streams` is not one:
 * a failed stream batch goes to a work queue that schedule-resync works off.
 */
export const DEAD_LETTER_QUEUES = {
  schedules: 'plans-dlq',
  retries: 'purchase-retries-dlq',
  notifications: 'notifications-dlq',
} as const satisfies Record<string, QueueKey>;

/**
 * What the page needs besides the `/_local/` endpoints, served on `GET /console/catalog`: the
 * stack's alarm catalog (a graph's threshold line, an alarm widget's physical names) and the
 * dead-letter sections' queues.
 */
export interface ConsoleCatalog {
  readonly alarms: readonly AlarmDefinition[];
  readonly deadLetterQueues: Readonly<Record<string, QueueKey>>;
}

const PAGE_DIR = fileURLToPath(new URL('./console-page/', import.meta.url));

const require = createRequire(import.meta.url);

function assetPath(asset: Asset): string {
  return join(dirname(require.resolve(`${asset.packageName}/package.json`)), asset.file);
}

/** The page's script: `console-page/app.ts` and its modules as one browser ES module. */
export async function bundleConsoleScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output for the console');
  return output.text;
}

/** The HTML of the page: the panels' frames, which the script fills and refreshes. */
export function consolePage(): string {
  const section = (id: string, title: string, extra = '') => `
    <section id="${id}" class="panel" aria-labelledby="${id}-heading">
      <h2 id="${id}-heading">${title}</h2>${extra}
      <div class="panel-body" aria-live="polite">Loading ...</div>
    </section>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Savings Plan Buy: local console</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${CONSOLE_ASSETS_PATH}/uPlot.min.css">
  <link rel="stylesheet" href="/console/console.css">
  <script src="${CONSOLE_ASSETS_PATH}/uPlot.iife.min.js"></script>
  <script type="module" src="/console/app.js"></script>
</head>
<body>
  <header>
    <h1>Savings Plan Buy: local console</h1>
    <section id="clock" class="panel" aria-labelledby="clock-heading">
      <h2 id="clock-heading">Clock</h2>
      <p>Local time: <output id="clock-now">Loading ...</output></p>
      <form id="clock-form">
        <label for="advance-to">Advance the clock to (ISO 8601 with Z or an offset)</label>
        <input id="advance-to" name="advanceTo" required spellcheck="false" autocomplete="off">
        <button type="submit">Advance</button>
        <button type="button" data-advance-seconds="3600">+1 hour</button>
        <button type="button" data-advance-seconds="86400">+1 day</button>
      </form>
      <p id="clock-status" role="status"></p>
    </section>
  </header>
  <main>
    <section id="dashboards" class="panel" aria-labelledby="dashboards-heading">
      <h2 id="dashboards-heading">Dashboards</h2>
      <div role="tablist" aria-label="Dashboards" id="dashboard-tabs"></div>
      <div class="panel-body" id="dashboard-panel" role="tabpanel">Loading ...</div>
    </section>
    ${section('alarms', 'Alarms')}
    ${section('executions', 'Recent executions')}
    ${section('outbox', 'Outbox')}
    ${section('dead-letters', 'Dead letters')}
  </main>
</body>
</html>`;
}

/** What the console routes need from the stack. */
export interface ConsoleRoutesOptions {
  /** The stack's alarm catalog (`alarmCatalog` of `shared/monitoring/alarms.ts`). */
  readonly alarms: readonly AlarmDefinition[];
}

/** Reads once, on the first request; a failure is not kept, the next request tries again. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}

/**
 * The exact routes ("METHOD /path" -> handler) of the console: the page on `GET /`, its script
 * and style sheet, uPlot's two files and the catalog.
 */
export function consoleRoutes(options: ConsoleRoutesOptions): Map<string, Handler> {
  const routes = new Map<string, Handler>();
  const nosniff = { 'x-content-type-options': 'nosniff' };
  routes.set('GET /', () => ({
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: consolePage(),
  }));
  const script = once(bundleConsoleScript);
  routes.set('GET /console/app.js', async () => ({
    status: 200,
    contentType: JAVASCRIPT,
    headers: nosniff,
    body: await script(),
  }));
  const styles = once(() => readFile(join(PAGE_DIR, 'console.css')));
  routes.set('GET /console/console.css', async () => ({
    status: 200,
    contentType: CSS,
    headers: nosniff,
    body: await styles(),
  }));
  const catalog: ConsoleCatalog = {
    alarms: options.alarms,
    deadLetterQueues: DEAD_LETTER_QUEUES,
  };
  routes.set('GET /console/catalog', () => ({ status: 200, body: catalog }));
  for (const [name, asset] of Object.entries(CONSOLE_ASSETS)) {
    const bytes = once(() => readFile(assetPath(asset)));
    routes.set(`GET ${CONSOLE_ASSETS_PATH}/${name}`, async () => ({
      status: 200,
      contentType: asset.contentType,
      headers: nosniff,
      body: await bytes(),
    }));
  }
  return routes;
}
