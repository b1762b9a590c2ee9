import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.js';
import { SIMULATOR_SK } from '../src/simulator/index.js';
import { redisUrl } from './support/redis.js';

/** Nothing secret may reach a newcomer's terminal: not the bot token, not Jupyter tokens. */
function expectNoSecrets(text: string): void {
  expect(text).not.toMatch(/xox[abp]-|xapp-/);
  expect(text).not.toContain(SIMULATOR_SK);
  expect(text).not.toMatch(/[?&]token=/);
  expect(text).not.toMatch(/signing/i);
}

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

describe('the scripted demo', () => {
  it('runs from the entry point with nothing configured, prints the conversation and exits 0', async () => {
    const started = performance.now();
    // A newcomer's environment: no Slack, no Huawei, no Redis settings.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ENV_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const seconds = (performance.now() - started) / 1000;

    expect(code, `${out}\n${err}`).toBe(0);
    expect(seconds).toBeLessThan(30);
    expect(out).toContain('@alice: /notebook create demo-notebook');
    expect(out).toContain('notebook-bot opened a modal: “New notebook”');
    expect(out).toContain('↻ updated');
    expect(out).toMatch(
      /\[Open JupyterLab → https:\/\/authoring-modelarts-cn-north-4\.huaweicloud\.com\/[0-9a-f-]+\/lab\]/,
    );
    expect(out).toMatch(/stops in 29 min/);
    expect(out).toContain('[Extend +1 h] [Extend +4 h] [Stop now] [Dismiss]');
    expect(out).toContain('@alice clicks [Extend +1 h]');
    expect(out).toMatch(/@alice extended by 1 h: it now stops \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(out).toMatch(/✓ Demo complete in \d+\.\d s/);
    expectNoSecrets(out);
    expectNoSecrets(err);
  });

  it('uses a configured Redis under its own prefix and leaves no keys behind', async () => {
    const out = sink();
    const logs = sink();
    const result = await runDemo({
      env: { REDIS_URL: redisUrl(), LOG_LEVEL: 'info' },
      out: out.stream,
      logDestination: logs.stream,
    });
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.extended).toBe(true);
    expect(result.notebookUrl).toMatch(/^https:\/\/authoring-modelarts-/);
    expect(result.transcript).toContain(result.notebookUrl);
    expect(result.transcript).toContain('Redis: your REDIS_URL (own key prefix)');
    expect(result.durationMs).toBeLessThan(30_000);
    expectNoSecrets(result.transcript);
    // The bot's JSON logs (info level here) went to their own stream, scrubbed of the token.
    expect(logs.text()).toContain('"msg":"notebook bot started"');
    expect(logs.text()).not.toMatch(/xoxb-/);

    const redis = new Redis(redisUrl());
    try {
      const [, keys] = await redis.scan('0', 'MATCH', '{nbbot-demo-*', 'COUNT', 10_000);
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
