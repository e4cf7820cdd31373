/**
 * The GraphiQL page served on `GET /graphql`, for a person exploring the API in a browser. The
 * page and everything it loads come from the local stack itself: GraphiQL, React and ReactDOM are
 * this project's own npm dependencies (pinned in package.json), served under `/graphql/assets/`,
 * so the page works on a machine without internet. It starts with an Authorization header for the
 * user named by `?sub=` (default "demo").
 *
 * Why GraphiQL 3: it is the last major that ships a prebuilt browser build (UMD, React as a
 * global). GraphiQL 4 dropped it, and 5 runs on Monaco with web workers that need a bundler setup
 * of their own; serving the files the packages ship keeps the stack free of a build step.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Handler } from './http.ts';

const EXAMPLE = `# Every request runs as the user in the Authorization header (see Headers below).
# Open /graphql?sub=bob to act as another user.

mutation Create {
  createPlan(input: {
    amount: "25.00"
    currency: "EUR"
    schedule: { frequency: WEEKLY, dayOfWeek: 1, timeOfDay: "09:00", timezone: "Europe/Berlin" }
  }) { id status amount currency version nextRunAt schedule { frequency dayOfWeek timeOfDay timezone startDate } }
}

query List {
  plans(limit: 10) { items { id status amount currency version createdAt } nextToken }
}

query Holdings {
  holdings { currency btcBought amountSpent fees averagePrice purchases }
}
`;

/** Where the page's assets are served; one route per allow-listed file, nothing else under it. */
export const GRAPHIQL_ASSETS_PATH = '/graphql/assets';

interface Asset {
  /** The npm package that ships the file (a dependency in package.json). */
  readonly packageName: string;
  /** The file's path inside the package. */
  readonly file: string;
  readonly contentType: string;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The files the page loads, by the name they are served under. Only these are served: a request
 * for any other name under {@link GRAPHIQL_ASSETS_PATH} has no route (404), so no path a browser
 * sends can reach another file of `node_modules`.
 */
export const GRAPHIQL_ASSETS = {
  'react.production.min.js': {
    packageName: 'react',
    file: 'umd/react.production.min.js',
    contentType: JAVASCRIPT,
  },
  'react-dom.production.min.js': {
    packageName: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    contentType: JAVASCRIPT,
  },
  'graphiql.min.js': { packageName: 'graphiql', file: 'graphiql.min.js', contentType: JAVASCRIPT },
  'graphiql.min.css': { packageName: 'graphiql', file: 'graphiql.min.css', contentType: CSS },
} as const satisfies Record<string, Asset>;

const require = createRequire(import.meta.url);

/** The file on disk; packages are found the way Node finds them, from this module. */
function assetPath(asset: Asset): string {
  // `react` and `react-dom` do not export their `umd/` folders: resolve the package root instead.
  return join(dirname(require.resolve(`${asset.packageName}/package.json`)), asset.file);
}

function assetUrl(name: keyof typeof GRAPHIQL_ASSETS): string {
  return `${GRAPHIQL_ASSETS_PATH}/${name}`;
}

function escapeScript(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The HTML of the page, with `token` as the Authorization header GraphiQL starts with. */
export function graphiqlPage(token: string, sub: string): string {
  const headers = JSON.stringify({ Authorization: token }, null, 2);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Savings Plan Buy: local GraphQL (${sub.replace(/[<>&"]/g, '')})</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="${assetUrl('graphiql.min.css')}">
</head>
<body>
  <div id="graphiql">Loading GraphiQL ...</div>
  <script src="${assetUrl('react.production.min.js')}"></script>
  <script src="${assetUrl('react-dom.production.min.js')}"></script>
  <script src="${assetUrl('graphiql.min.js')}"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery: ${escapeScript(EXAMPLE)},
        defaultHeaders: ${escapeScript(headers)},
        shouldPersistHeaders: false,
      }),
    );
  </script>
</body>
</html>`;
}

/** What the GraphiQL routes need from the stack. */
export interface GraphiqlRoutesOptions {
  /** Issues the token the page starts with, for the user named by `?sub=`. */
  readonly issueToken: (sub: string) => Promise<string>;
}

/**
 * The exact routes ("METHOD /path" -> handler) of the GraphiQL page and its assets, for the stack
 * to mount. Each asset is read from disk on its first request and kept in memory afterwards.
 */
export function graphiqlRoutes(options: GraphiqlRoutesOptions): Map<string, Handler> {
  const routes = new Map<string, Handler>();
  routes.set('GET /graphql', async (request) => {
    const sub = request.url.searchParams.get('sub') ?? 'demo';
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: graphiqlPage(await options.issueToken(sub), sub),
    };
  });
  for (const [name, asset] of Object.entries(GRAPHIQL_ASSETS)) {
    let bytes: Promise<Buffer> | undefined;
    routes.set(`GET ${GRAPHIQL_ASSETS_PATH}/${name}`, async () => {
      // A failed read is not kept: the next request tries again.
      bytes ??= readFile(assetPath(asset)).catch((error: unknown) => {
        bytes = undefined;
        throw error;
      });
      return {
        status: 200,
        contentType: asset.contentType,
        headers: { 'x-content-type-options': 'nosniff' },
        body: await bytes,
      };
    });
  }
  return routes;
}
