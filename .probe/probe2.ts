import { startLocalStack, devStackConfig } from '../local/stack.ts';
import { LocalClock } from '../local/clock.ts';
const stack = await startLocalStack({ port: 0, config: devStackConfig(), log: () => undefined, autoFire: false, retryScale: 0.01, lambdaLogLevel: 'SILENT', prefix: 'p', clock: new LocalClock(new Date('2027-05-03T06:00:00Z')) });
await stack.advanceTo(stack.clock.now() + 15 * 60_000);
const sweeper = stack.lambdas.get('sweeper')!;
const completer = stack.lambdas.get('completer')!;
for (let i = 0; i < 5; i++) {
  let s = Date.now(); await sweeper.invoke({}); const a = Date.now() - s;
  s = Date.now(); await completer.invoke({}); const b = Date.now() - s;
  s = Date.now(); await stack.settle(); const c = Date.now() - s;
  console.log('sweeper', a, 'completer', b, 'settle', c);
}
await stack.stop();
process.exit(0);
