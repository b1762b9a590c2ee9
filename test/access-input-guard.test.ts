import { describe, expect, it } from 'vitest';
import {
  guardActionValue,
  guardCommandText,
  guardFreeText,
  guardHookScript,
  guardPayloadSize,
  INPUT_LIMITS,
} from '../src/access/input-guard.js';
import { ValidationError } from '../src/errors.js';
import {
  truncate as clipText,
  escapeMrkdwn,
  mention,
  codeSpan as mrkdwnCode,
  escapeMrkdwn as slackEscape,
} from '../src/messages/format.js';

describe('escapeMrkdwn', () => {
  it('neutralises every Slack control sequence and &<>', () => {
    expect(escapeMrkdwn('<!channel> <!here> <!everyone> <@U0ALICE> <#C0GENERAL> <!subteam^S0X|@ops>')).toBe(
      '&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U0ALICE&gt; &lt;#C0GENERAL&gt; &lt;!subteam^S0X|@ops&gt;',
    );
    expect(escapeMrkdwn('<https://evil.example|your notebook>')).toBe('&lt;https://evil.example|your notebook&gt;');
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    // Already-escaped text is escaped again: what the user typed is shown as typed.
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
    expect(escapeMrkdwn('ping @here and @channel')).toBe('ping @\u2060here and @\u2060channel');
  });

  it('is the same function the Slack builders use (one escaper in the tree)', () => {
    expect(escapeMrkdwn).toBe(slackEscape);
  });

  it('mrkdwnCode keeps a code span intact and bounded', () => {
    expect(mrkdwnCode('a`b<!here>\nc')).toBe('`aˋb&lt;!here&gt; c`');
    expect(mrkdwnCode('x'.repeat(500), 10)).toBe(`\`${'x'.repeat(9)}…\``);
  });

  it('mention only trusts well-formed ids', () => {
    expect(mention('U0ALICE')).toBe('<@U0ALICE>');
    expect(mention('S0OPS')).toBe('<!subteam^S0OPS>');
    expect(mention('C0GEN')).toBe('<#C0GEN>');
    expect(mention('U0X> <!channel')).toBe('U0X&gt; &lt;!channel');
  });

  it('clipText never splits a surrogate pair', () => {
    expect(clipText('😀😀😀', 2)).toBe('😀…');
    expect(clipText('short', 10)).toBe('short');
  });
});

describe('input limits', () => {
  it('command text: trimmed, one line, bounded', () => {
    expect(guardCommandText('  create   nb-1\tgpu ')).toBe('create nb-1 gpu');
    expect(guardCommandText(undefined)).toBe('');
    expect(() => guardCommandText('x'.repeat(INPUT_LIMITS.commandTextChars + 1))).toThrow(/too long/);
    expect(() => guardCommandText('create\nnb')).toThrow(/single line/);
    expect(() => guardCommandText('create \u0000nb')).toThrow(ValidationError);
    expect(() => guardCommandText('bad \ud800 surrogate')).toThrow(/invalid characters/);
  });

  it('payload size, in bytes', () => {
    expect(() => guardPayloadSize('x'.repeat(1000))).not.toThrow();
    expect(() => guardPayloadSize('é'.repeat(INPUT_LIMITS.payloadBytes / 2 + 1))).toThrow(/too large/);
    expect(() => guardPayloadSize(new Uint8Array(11), 10)).toThrow(/11 bytes, at most 10/);
  });

  it('hook scripts: printable text, no NUL, at most 12 KB so base64 fits the API’s 16 KB', () => {
    expect(guardHookScript('#!/bin/bash\r\npip install -r requirements.txt\r\n')).toBe(
      '#!/bin/bash\npip install -r requirements.txt\n',
    );
    const max = 'a'.repeat(INPUT_LIMITS.hookScriptBytes);
    expect(Buffer.from(max).toString('base64').length).toBeLessThanOrEqual(16_384);
    expect(guardHookScript(max)).toBe(max);
    expect(() => guardHookScript(`${max}a`)).toThrow(/too large/);
    expect(() => guardHookScript('echo a\u0000b')).toThrow(/NUL/);
    expect(() => guardHookScript('echo \u001b[31m')).toThrow(/printable/);
    expect(() => guardHookScript('   ')).toThrow(/empty/);
    try {
      guardHookScript(`\u0000${'x'.repeat(INPUT_LIMITS.hookScriptBytes)}`);
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.field)).toEqual(['hooks.script', 'hooks.script']);
    }
  });

  it('action values and free text', () => {
    expect(guardActionValue('abc_DEF-1')).toBe('abc_DEF-1');
    expect(() => guardActionValue('<!channel>')).toThrow(/not valid/);
    expect(() => guardActionValue(42)).toThrow(ValidationError);
    expect(() => guardActionValue('x'.repeat(200))).toThrow(ValidationError);
    expect(guardFreeText(' why \r\n not ', 'reason')).toBe('why \n not');
    expect(() => guardFreeText('x'.repeat(11), 'reason', 10)).toThrow(/reason: must be at most 10/);
  });
});
