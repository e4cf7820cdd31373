/**
 * DynamoDB Local's JVM ends with the process that started it, however that process ends: a
 * process that starts it and is then killed with SIGKILL (no handler runs) leaves no JVM behind.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NODE = process.execPath;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.runIf(process.platform === 'linux')('DynamoDB Local started by a process', () => {
  it('is killed with it when that process is killed', async () => {
    const script = [
      "import { startDynamoDbLocal } from '#local/services/dynamodb.ts';",
      'const local = await startDynamoDbLocal();',
      "const { execSync } = await import('node:child_process');",
      // The JVM is this process's child: its pid, then wait to be killed.
      'const jvm = execSync(`pgrep -P ${process.pid} java`).toString().trim();',
      'console.log(JSON.stringify({ jvm: Number(jvm), endpoint: local.endpoint }));',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(NODE, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const { jvm, endpoint } = JSON.parse(line.toString()) as { jvm: number; endpoint: string };
    expect(alive(jvm)).toBe(true);
    expect((await fetch(endpoint)).status).toBeGreaterThan(0);

    child.kill('SIGKILL');
    await once(child, 'exit');
    const deadline = Date.now() + 10_000;
    while (alive(jvm) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const survived = alive(jvm);
    if (survived) process.kill(jvm, 'SIGKILL'); // not left running for the rest of the suite
    expect(survived).toBe(false);
  }, 120_000);
});
