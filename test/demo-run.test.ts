import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo/run-demo.js';
import { SIMULATOR_SK } from '../src/simulator/index.js';
import { runEntryPoint } from './support/entry-point.js';
import { redisUrl } from './support/redis.js';

/** Nothing secret may reach a newcomer's terminal: not the bot token, not Jupyter tokens. */
function expectNoSecrets(text: string): void {
  expect(text).not.toMatch(/xox[abp]-|xapp-/);
  expect(text).not.toContain(SIMULATOR_SK);
  expect(text).not.toMatch(/[?&]token=/);
  expect(text).not.toMatch(/signing/i);
}

/** A transcript line without what changes from run to run: its time, durations, digits. */
function normalise(line: string): string {
  return line
    .replace(/^\s*\d+\.\ds\s+/, '')
    .trim()
    .replace(/\d+(?:\.\d+)? ?(?:ms|s|min|h)\b/g, 'D')
    .replace(/\d+/g, '#');
}

/**
 * The README's demo transcript: an excerpt, so each line it shows must be one the demo prints, in
 * the same order. Skipped: `⋮` (lines left out), and the states of an in-progress creation step
 * (🔄, ⚪), which depend on when the worker happened to poll.
 */
function expectReadmeExcerptIn(transcript: string): void {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const excerpt = readme.split(/^```.*$/m).find((block) => block.includes('@alice: /notebook create'));
  expect(excerpt, 'the README shows the demo transcript').toBeDefined();
  expect(readme).toMatch(/excerpt[^\n]*\n?[^\n]*npm run demo/i);
  const real = transcript.split('\n').map(normalise);
  let at = 0;
  for (const line of excerpt!.split('\n')) {
    if (!line.trim() || line.includes('⋮') || /[🔄⚪]/u.test(line)) continue;
    // `…` in the excerpt stands for an id (and matches the real `…` of "Creating notebook x…").
    const pattern = new RegExp(
      `^${normalise(line)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replaceAll('…', '.*')}$`,
    );
    const found = real.findIndex((l, i) => i >= at && pattern.test(l));
    expect(found, `README line not in the demo's output (in order): ${line}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
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
    // A newcomer's environment: no Slack, no Huawei, no Redis settings.
    const { code, out, err } = await runEntryPoint([], { ENV_FILE: '' });

    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toContain('@alice: /notebook create demo-notebook');
    expect(out).toContain('notebook-bot opened a modal: “New notebook”');
    expect(out).toContain('↻ updated');
    expect(out).toMatch(
      /\[Open JupyterLab → https:\/\/authoring-modelarts-cn-north-4\.huaweicloud\.com\/[0-9a-f-]+\/lab\]/,
    );
    // 29 min when the scan runs within a real second of the jump (×60): not asserted, a busy
    // machine may read 28.
    expect(out).toMatch(/stops in \d+ min \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)/);
    expect(out).toContain('[Extend +1 h] [Extend +4 h] [Stop now] [Dismiss]');
    expect(out).toContain('@alice clicks [Extend +1 h]');
    expect(out).toMatch(/@alice extended by 1 h: it now stops \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(out).toMatch(/✓ Demo complete in \d+\.\d s/);
    expectReadmeExcerptIn(out);
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

  it('kept running on a busy PORT, says which port and to set PORT', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await runDemo({
        env: { REDIS_URL: redisUrl(), PORT: String(port) },
        keepRunning: true,
        out: sink().stream,
        logDestination: sink().stream,
      });
      expect(result.ok).toBe(false);
      expect(result.error).toBe(
        `port ${port} on 127.0.0.1 is already in use (another bot, or another program): set PORT to a free port, e.g. PORT=${port + 1} npm start -- --keep-running`,
      );
      expect(result.transcript).toContain(`✗ The demo stopped: ${result.error}`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
