/**
 * The GraphiQL page served on `GET /graphql`, for a person exploring the API in a browser. The
 * page loads GraphiQL from a CDN (the browser needs the internet; the stack itself does not) and
 * starts with an Authorization header for the user named by `?sub=` (default "demo").
 */
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
`;

function escapeScript(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function graphiqlPage(token: string, sub: string): string {
  const headers = JSON.stringify({ Authorization: token }, null, 2);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Savings Plan Buy: local GraphQL (${sub.replace(/[<>&"]/g, '')})</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL from unpkg.com ...</div>
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
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
