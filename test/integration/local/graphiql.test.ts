/**
 * GraphiQL on `GET /graphql` works offline: a real browser (Debian's headless Chromium) that may
 * reach nothing but the local stack opens the page, runs a query with the token the page starts
 * with, and sees the answer. The page's assets are the project's own npm dependencies.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CREATE_PLAN = `mutation($amount: String!) {
  createPlan(input: {
    amount: $amount
    currency: "EUR"
    schedule: { frequency: WEEKLY, dayOfWeek: 1, timeOfDay: "09:00", timezone: "Europe/Berlin" }
  }) { id }
}`;

const PLANS = '{ plans(limit: 10) { items { id amount currency status } } }';

const require = createRequire(import.meta.url);

function packageFile(packageName: string, file: string): string {
  return join(dirname(require.resolve(`${packageName}/package.json`)), file);
}

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack.stop();
});

describe('the GraphiQL assets', () => {
  it('serves React, ReactDOM and GraphiQL byte for byte from the npm dependencies', async () => {
    const served = [];
    for (const [name, packageName, file] of [
      ['react.production.min.js', 'react', 'umd/react.production.min.js'],
      ['react-dom.production.min.js', 'react-dom', 'umd/react-dom.production.min.js'],
      ['graphiql.min.js', 'graphiql', 'graphiql.min.js'],
      ['graphiql.min.css', 'graphiql', 'graphiql.min.css'],
    ] as const) {
      const response = await fetch(`${stack.url}/graphql/assets/${name}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      served.push({
        name,
        status: response.status,
        contentType: response.headers.get('content-type'),
        nosniff: response.headers.get('x-content-type-options'),
        sameAsPackage: bytes.equals(await readFile(packageFile(packageName, file))),
      });
    }
    const javascript = { status: 200, contentType: 'text/javascript; charset=utf-8' };
    expect(served).toEqual([
      { name: 'react.production.min.js', ...javascript, nosniff: 'nosniff', sameAsPackage: true },
      {
        name: 'react-dom.production.min.js',
        ...javascript,
        nosniff: 'nosniff',
        sameAsPackage: true,
      },
      { name: 'graphiql.min.js', ...javascript, nosniff: 'nosniff', sameAsPackage: true },
      {
        name: 'graphiql.min.css',
        status: 200,
        contentType: 'text/css; charset=utf-8',
        nosniff: 'nosniff',
        sameAsPackage: true,
      },
    ]);
  });

  it('serves no other file under /graphql/assets, however the path is spelled', async () => {
    const statuses = [];
    for (const path of [
      '/graphql/assets/graphiql.js',
      '/graphql/assets/package.json',
      '/graphql/assets/..%2F..%2Fpackage.json',
      '/graphql/assets/%2e%2e/%2e%2e/package.json',
      '/graphql/assets/react/umd/react.development.js',
      '/graphql/assets/',
    ]) {
      statuses.push([path, (await fetch(`${stack.url}${path}`)).status]);
    }
    expect(statuses).toEqual([
      ['/graphql/assets/graphiql.js', 404],
      ['/graphql/assets/package.json', 404],
      ['/graphql/assets/..%2F..%2Fpackage.json', 404],
      ['/graphql/assets/%2e%2e/%2e%2e/package.json', 404],
      ['/graphql/assets/react/umd/react.development.js', 404],
      ['/graphql/assets/', 404],
    ]);
  });
});

/**
 * Launches the browser. A missing Chromium fails the test that needs it (rather than skipping
 * it), saying how to install it.
 */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the GraphiQL browser test needs Debian's headless Chromium. ` +
        'Install it with `sudo apt-get install -y chromium` (.ci/run does this), ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** The text of a GraphiQL editor (CodeMirror 5) inside the element matching `selector`. */
async function editorValue(page: Page, selector: string): Promise<string> {
  return (await page.evaluate(
    `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)}).CodeMirror.getValue()`,
  )) as string;
}

describe('GraphiQL in a browser without internet', () => {
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
  });

  it('runs a plans query with the token the page starts with, loading nothing but the local stack', async () => {
    const demo = await signIn(stack, 'demo');
    const { createPlan } = await demo.data<{ createPlan: { id: string } }>(CREATE_PLAN, {
      amount: '25.00',
    });
    const bob = await signIn(stack, 'bob');
    await bob.data(CREATE_PLAN, { amount: '40.00' });

    browser = await launchChromium();
    const context = await browser.newContext();
    const blocked: string[] = [];
    const errors: string[] = [];
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(`${stack.url}/`)) return route.continue();
      blocked.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));

    const answeredTo = (text: string) =>
      page.waitForResponse(
        (response) =>
          response.url() === `${stack.url}/graphql` &&
          (response.request().postData() ?? '').includes(text),
        { timeout: 60_000 },
      );
    // GraphiQL asks for the schema first; a query run before that answer may be dropped.
    const introspected = answeredTo('IntrospectionQuery');
    await page.goto(`${stack.url}/graphql`);
    // The load event has fired: every script and style sheet of the page has loaded or failed.
    expect({ blocked, errors }).toEqual({ blocked: [], errors: [] });
    expect((await introspected).status()).toBe(200);
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    // Inserted as text, not typed key by key: the editor would close every brace it opens.
    await page.keyboard.insertText(PLANS);
    await expect
      .poll(() => editorValue(page, '.graphiql-query-editor'), {
        message: 'the query editor holds the query',
      })
      .toBe(PLANS);
    const answered = answeredTo('plans');
    // On a busy machine the first click can land while GraphiQL is still taking in the schema
    // and start nothing; a click that started the query is never repeated (a second one stops it).
    for (let attempt = 1; ; attempt += 1) {
      const sent = page
        .waitForRequest(
          (request) =>
            request.url() === `${stack.url}/graphql` &&
            (request.postData() ?? '').includes('plans'),
          { timeout: 10_000 },
        )
        .then(
          () => true,
          () => false,
        );
      await page.locator('.graphiql-execute-button').click();
      if (await sent) break;
      if (attempt === 5) throw new Error('the run button sent no query in five clicks');
    }
    expect((await answered).status()).toBe(200);

    await expect
      .poll(() => editorValue(page, '.graphiql-response'), {
        timeout: 60_000,
        message: 'GraphiQL shows the response of the plans query',
      })
      .not.toBe('');
    const shown = await editorValue(page, '.graphiql-response');
    await context.close();

    expect(JSON.parse(shown)).toEqual({
      data: {
        plans: {
          items: [{ id: createPlan.id, amount: '25.00', currency: 'EUR', status: 'ACTIVE' }],
        },
      },
    });
    expect({ blocked, errors }).toEqual({ blocked: [], errors: [] });
  }, 120_000);
});
