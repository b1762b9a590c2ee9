import { describe, expect, it } from 'vitest';
import { findButton, formValues } from '../src/demo/slack-user.js';
import { blocksToLines, formatEntry, mrkdwnToText, renderCall, type TranscriptNames } from '../src/demo/transcript.js';
import { buildCreateModal } from '../src/messages/create-modal.js';
import type { RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';

const names: TranscriptNames = {
  users: { U0ALICE01: 'alice' },
  channels: { C0MLTEAM01: 'ml-team' },
  bot: 'notebook-bot',
};

function call(method: string, args: Record<string, unknown>): RecordedCall {
  return { method, args, token: 'xoxb-never-shown', at: 0 };
}

describe('transcript rendering', () => {
  it('turns mrkdwn into readable text: mentions, links, emphasis, emoji, entities', () => {
    expect(mrkdwnToText('<@U0ALICE01> your notebook *demo_nb* is :white_check_mark: ready', names)).toBe(
      '@alice your notebook demo_nb is ✅ ready',
    );
    expect(mrkdwnToText('Creating *demo-notebook*… in <#C0MLTEAM01>', names)).toBe(
      'Creating demo-notebook… in #ml-team',
    );
    expect(mrkdwnToText('see <https://x.example/lab|JupyterLab> or <https://y.example>', names)).toBe(
      'see JupyterLab (https://x.example/lab) or https://y.example',
    );
    expect(mrkdwnToText('until <!date^1767225600^{date_short}|Jan 1> &lt;ok&gt; _soon_ my_nb_1', names)).toBe(
      'until Jan 1 <ok> soon my_nb_1',
    );
  });

  it('shows messages with their buttons, updates as ↻, and thread replies as such', () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: Notebook *nb* is ready' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open JupyterLab' }, url: 'https://lab.example/nb' },
          { type: 'button', text: { type: 'plain_text', text: 'Stop' }, action_id: 'stop' },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Requested by <@U0ALICE01>' }] },
    ];
    const posted = renderCall(call('chat.postMessage', { channel: 'C0MLTEAM01', text: 'fallback', blocks }), names);
    expect(posted).toEqual({
      heading: '#ml-team  notebook-bot:',
      lines: ['✅ Notebook nb is ready', '[Open JupyterLab → https://lab.example/nb] [Stop]', 'Requested by @alice'],
    });
    const updated = renderCall(call('chat.update', { channel: 'C0MLTEAM01', ts: '1.2', text: 'now *stopped*' }), names);
    expect(updated).toEqual({ heading: "#ml-team  ↻ updated notebook-bot's message:", lines: ['now stopped'] });
    const reply = renderCall(
      call('chat.postMessage', { channel: 'C0MLTEAM01', thread_ts: '1.2', text: 'done' }),
      names,
    );
    expect(reply?.heading).toBe('#ml-team  notebook-bot:  ↳ in thread');
    const ephemeral = renderCall(
      call('chat.postEphemeral', { channel: 'C0MLTEAM01', user: 'U0ALICE01', text: 'only you' }),
      names,
    );
    expect(ephemeral?.heading).toBe('#ml-team  notebook-bot (only visible to @alice):');
  });

  it('shows a modal as its title, inputs with their pre-filled values, and its buttons', () => {
    const view = buildCreateModal({
      defaults: { flavor: 'modelarts.vm.cpu.2u', storageGb: 5, leaseHours: 1 },
      metadata: { channelId: 'C0MLTEAM01' },
      name: 'demo-notebook',
    });
    const entry = renderCall(call('views.open', { trigger_id: 't', view }), names)!;
    expect(entry.heading).toBe('notebook-bot opened a modal: “New notebook”');
    expect(entry.lines).toContain('Name: demo-notebook');
    expect(entry.lines).toContain('Flavor: modelarts.vm.cpu.2u');
    expect(entry.lines.at(-1)).toBe('[Create] [Cancel]');
  });

  it('hides calls nobody sees in Slack, and never prints the token', () => {
    expect(renderCall(call('auth.test', {}), names)).toBeUndefined();
    expect(renderCall(call('conversations.open', { users: 'U0ALICE01' }), names)).toBeUndefined();
    const line = formatEntry(renderCall(call('chat.postMessage', { channel: 'C0MLTEAM01', text: 'hi' }), names)!, 1234);
    expect(line).toBe('  1.2s  #ml-team  notebook-bot:\n          hi');
    expect(line).not.toContain('xoxb');
  });

  it('renders headers, fields, dividers and inputs', () => {
    const lines = blocksToLines(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Your notebooks' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Status*\nRUNNING' },
            { type: 'mrkdwn', text: '*Left*\n29 min' },
          ],
        },
        { type: 'divider' },
      ],
      names,
    );
    expect(lines).toEqual(['YOUR NOTEBOOKS', 'Status RUNNING · Left 29 min', '──────────']);
  });
});

describe('the scripted user', () => {
  it('submits a modal with what Slack shows pre-filled, plus its own answers', () => {
    const view = buildCreateModal({
      defaults: { flavor: 'modelarts.vm.cpu.2u', storageGb: 5, leaseHours: 1 },
      metadata: {},
      name: 'demo-notebook',
    }) as unknown as Record<string, unknown>;
    const values = formValues(view, { nb_lease_duration: '2h' });
    expect(values['nb_name']?.['value']).toMatchObject({ type: 'plain_text_input', value: 'demo-notebook' });
    expect(values['nb_flavor']?.['value']?.selected_option?.value).toBe('modelarts.vm.cpu.2u');
    expect(values['nb_image']?.['value']?.selected_option).toBeNull();
    expect(values['nb_storage_size']?.['value']).toMatchObject({ type: 'number_input', value: '5' });
    expect(values['nb_lease_duration']?.['value']?.value).toBe('2h');
    expect(values['nb_lease_type']?.['value']?.selected_option?.value).toBe('TIMING');
  });

  it('finds a button by action id', () => {
    const blocks = [
      { type: 'actions', block_id: 'b1', elements: [{ type: 'button', action_id: 'lease_extend_1h', value: 'v' }] },
    ];
    expect(findButton(blocks, 'lease_extend_1h')).toMatchObject({ block_id: 'b1', value: 'v' });
    expect(findButton(blocks, 'nope')).toBeUndefined();
  });
});
