import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditTrail, type StoredAuditEntry } from '../src/access/audit.js';
import { ManualClock } from '../src/clock.js';
import { createLogger, registerSecret } from '../src/logger.js';
import { renderAuditBlocks } from '../src/messages/audit.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('audit trail', () => {
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = newRedis();
    prefix = uniquePrefix('audit');
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('appends to {prefix}:audit and to the log as structured JSON with audit: true', async () => {
    const { logger, lines } = capture();
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const trail = createAuditTrail({ redis, prefix, logger, clock });
    await trail.append({
      userId: 'U0ALICE',
      action: 'stop',
      notebookId: 'nb-1',
      notebookName: 'alice-nb',
      channelId: 'C0PROJ',
      outcome: 'refused',
      rule: 'ownership',
      detail: 'not the owner',
    });
    expect(await redis.xlen(`${prefix}:audit`)).toBe(1);
    const [entry] = await trail.readAudit();
    expect(entry).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      userId: 'U0ALICE',
      action: 'stop',
      notebookId: 'nb-1',
      notebookName: 'alice-nb',
      channelId: 'C0PROJ',
      outcome: 'refused',
      rule: 'ownership',
      detail: 'not the owner',
      at: clock.now(),
    });
    const line = lines.find((l) => l['audit'] === true);
    expect(line).toMatchObject({
      audit: true,
      userId: 'U0ALICE',
      action: 'stop',
      outcome: 'refused',
      rule: 'ownership',
      notebookId: 'nb-1',
    });
  });

  it('stays bounded (XADD MAXLEN ~) and reads newest first', async () => {
    const trail = createAuditTrail({ redis, prefix, logger: createLogger({ level: 'silent' }), maxLen: 50 });
    for (let i = 0; i < 400; i += 1) {
      await trail.append({
        userId: 'U0ALICE',
        action: 'view',
        notebookName: `nb-${i}`,
        outcome: 'allowed',
        at: 1_000 + i,
      });
    }
    const len = await redis.xlen(`${prefix}:audit`);
    // `~` trims whole stream nodes (100 entries by default): never below maxLen, at most a node above.
    expect(len).toBeGreaterThanOrEqual(50);
    expect(len).toBeLessThanOrEqual(150);
    const newest = await trail.readAudit({ limit: 3 });
    expect(newest.map((e) => e.notebookName)).toEqual(['nb-399', 'nb-398', 'nb-397']);
    expect((await trail.readAudit({ limit: 10_000 })).length).toBeLessThanOrEqual(200);
  });

  it('filters by notebook id or name, and by user, across pages', async () => {
    const trail = createAuditTrail({ redis, prefix, logger: createLogger({ level: 'silent' }) });
    await trail.append({ userId: 'U0BOB', action: 'create', notebookName: 'rare', outcome: 'allowed' });
    for (let i = 0; i < 1200; i += 1)
      await trail.append({ userId: 'U0ALICE', action: 'view', notebookName: 'busy', outcome: 'allowed' });
    await trail.append({
      userId: 'U0BOB',
      action: 'stop',
      notebookId: 'id-rare',
      notebookName: 'rare',
      outcome: 'succeeded',
    });
    const rare = await trail.readAudit({ notebook: 'rare', limit: 10 });
    expect(rare.map((e) => e.action)).toEqual(['stop', 'create']);
    expect((await trail.readAudit({ notebook: 'id-rare' })).map((e) => e.action)).toEqual(['stop']);
    expect((await trail.readAudit({ userId: 'U0BOB', limit: 5 })).map((e) => e.action)).toEqual(['stop', 'create']);
    expect(await trail.readAudit({ notebook: 'never' })).toEqual([]);
  });

  it('never throws, and keeps secrets and huge text out of the stream', async () => {
    const { logger, lines } = capture();
    registerSecret('audit-secret-value-123');
    const trail = createAuditTrail({ redis, prefix, logger });
    await trail.append({
      userId: 'U0A',
      action: 'create',
      outcome: 'failed',
      detail: `token audit-secret-value-123 ${'x'.repeat(5000)}`,
    });
    const [e] = await trail.readAudit();
    expect(e?.detail).not.toContain('audit-secret-value-123');
    expect(e?.detail?.length).toBeLessThanOrEqual(500);

    const broken = newRedis();
    await broken.quit();
    const failing = createAuditTrail({ redis: broken, prefix, logger });
    await expect(failing.append({ userId: 'U0A', action: 'stop', outcome: 'allowed' })).resolves.toBeUndefined();
    expect(lines.some((l) => l['msg'] === 'audit stream write failed')).toBe(true);
    // The entry still reached the log before the stream failed.
    expect(lines.filter((l) => l['audit'] === true && l['action'] === 'stop')).toHaveLength(1);
  });
});

describe('renderAuditBlocks', () => {
  const entry = (over: Partial<StoredAuditEntry> = {}): StoredAuditEntry => ({
    id: '1-0',
    userId: 'U0ALICE',
    action: 'stop',
    notebookName: 'nb',
    outcome: 'refused',
    rule: 'ownership',
    at: Date.UTC(2026, 0, 2, 3, 4, 5),
    ...over,
  });
  const texts = (blocks: ReturnType<typeof renderAuditBlocks>) => JSON.stringify(blocks);

  it('renders a line per entry with a Slack date, a mention, the outcome and the rule', () => {
    const blocks = renderAuditBlocks([entry()], { notebook: 'nb' });
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Audit trail: nb', emoji: true } });
    expect(blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '• <!date^1767323045^{date_short_pretty} {time_secs}|2026-01-02 03:04:05 UTC> <@U0ALICE> *stop* `nb` — :no_entry: refused (ownership)',
      },
    });
    expect(renderAuditBlocks([])).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Audit trail', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: '_No audit entries._' } },
    ]);
  });

  it('escapes every piece of user text', () => {
    const out = texts(
      renderAuditBlocks([
        entry({
          userId: '<!channel>',
          action: '<!here>',
          notebookName: 'a`b<@U0X>',
          detail: 'see <https://evil.example|click> & <#C0ALL> <!subteam^S0X> @everyone',
          rule: '<!everyone>',
        }),
      ]),
    );
    for (const raw of ['<!channel>', '<!here>', '<@U0X>', '<https://evil', '<#C0ALL>', '<!subteam', '<!everyone>']) {
      expect(out).not.toContain(raw);
    }
    expect(out).toContain('&lt;https://evil.example|click&gt; &amp; &lt;#C0ALL&gt;');
    expect(out).toContain('@\u2060everyone');
  });

  it('respects Slack’s limits: ≤ 50 blocks, ≤ 3000 characters a section', () => {
    const many = Array.from({ length: 1000 }, (_, i) => entry({ id: `${i}-0`, detail: 'd'.repeat(300) }));
    const blocks = renderAuditBlocks(many, { maxEntries: 1000 });
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) {
      if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    }
    const footer = blocks[blocks.length - 1];
    expect(footer?.type).toBe('context');
    expect(JSON.stringify(footer)).toMatch(/older entries not shown/);
  });
});
