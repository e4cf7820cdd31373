import { startLocalStack, devStackConfig } from '../local/stack.ts';
import { LocalClock } from '../local/clock.ts';
const stack = await startLocalStack({ port: 0, config: devStackConfig(), log: () => undefined, autoFire: false, retryScale: 0.01, lambdaLogLevel: 'SILENT', prefix: 'p', clock: new LocalClock(new Date('2027-05-03T06:00:00Z')) });
let t = stack.clock.now();
for (let i = 0; i < 8; i++) {
  const s = Date.now();
  t += 30 * 60_000;
  const fired = await stack.advanceTo(t);
  console.log(i, fired, Date.now() - s, 'ms', Object.fromEntries([...stack.lambdas].map(([n, l]) => [n, l.invocations]).filter(([, c]) => c)));
}
await stack.stop();
process.exit(0);
