/**
 * SIGINT stops the bot like SIGTERM, and a repeated signal does not cut the graceful shutdown
 * short (under `npm start`, one Ctrl-C arrives twice: from the terminal and forwarded by npm).
 * The signals are real, sent to this test process while the handlers are installed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stopSignals } from '../src/app/stop-signals.js';

/** Waits for signal delivery (asynchronous in Node); the deadline is only a safety net. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
  expect(done()).toBe(true);
}

describe('stop signals', () => {
  it('stop on the first SIGINT, and keep handling repeats (SIGINT or SIGTERM) until disposed', async () => {
    const listeners = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const first: string[] = [];
    const again: string[] = [];
    const signals = stopSignals({ first: (s) => first.push(s), again: (s) => again.push(s) });
    try {
      process.kill(process.pid, 'SIGINT');
      expect(await signals.received).toBe('SIGINT');
      // Sent after the first was handled, so the kernel cannot merge them into one.
      process.kill(process.pid, 'SIGINT');
      await until(() => again.length === 1);
      process.kill(process.pid, 'SIGTERM');
      await until(() => again.length === 2);
      expect(first).toEqual(['SIGINT']);
      expect(again).toEqual(['SIGINT', 'SIGTERM']);
    } finally {
      signals.dispose();
    }
    expect({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }).toEqual(listeners);
  });

  it('stop on SIGTERM the same way', async () => {
    const signals = stopSignals({ first: () => undefined });
    try {
      process.kill(process.pid, 'SIGTERM');
      expect(await signals.received).toBe('SIGTERM');
    } finally {
      signals.dispose();
    }
  });
});
