import { LocalClock } from '#local/clock.ts';
import { startLocalStack, devStackConfig } from '#local/stack.ts';
import { startDynamoDbLocal } from '#local/dynamodb.ts';
const dynamodb = await startDynamoDbLocal();
const stack = await startLocalStack({ port: 0, dynamodbEndpoint: dynamodb.endpoint, clock: new LocalClock(new Date('2027-03-01T12:00:00Z')), autoFire: false, log: () => undefined, lambdaLogLevel: 'ERROR', lambdaConcurrency: Number(process.env.CONC ?? 4), config: { ...devStackConfig(), maxPlansPerUser: 1000 } });
const times = new Map<string, number[]>();
for (const [name, lambda] of stack.lambdas) {
  const invoke = lambda.invoke.bind(lambda);
  lambda.invoke = async (event: unknown) => { const t = performance.now(); try { return await invoke(event); } finally { (times.get(name) ?? times.set(name, []).get(name)!).push(performance.now() - t); } };
}
const token = ((await (await fetch(`${stack.url}/_local/token`, { method: 'POST', body: JSON.stringify({ sub: 'p' }) })).json()) as { token: string }).token;
for (let i = 0; i < 100; i++) {
  await fetch(stack.graphqlUrl, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }', variables: { input: { amount: '25.00', currency: 'EUR', schedule: { frequency: 'DAILY', timeOfDay: '09:00', timezone: 'Europe/Berlin', startDate: '2027-03-02', endDate: '2027-03-02' } } } }) });
}
await stack.settle();
times.clear();
const t = performance.now();
await stack.advanceTo(Date.parse('2027-03-02T08:01:00Z'));
console.log('total', ((performance.now() - t) / 1000).toFixed(1));
for (const [name, list] of times) { list.sort((a, b) => a - b); console.log(name, list.length, 'p50', list[Math.floor(list.length / 2)]?.toFixed(0), 'max', list.at(-1)?.toFixed(0), 'sum', list.reduce((a, b) => a + b, 0).toFixed(0)); }
await stack.stop(); await dynamodb.stop();
