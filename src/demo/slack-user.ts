/**
 * A scripted Slack user for the demo and the end-to-end tests: fills a modal the way a person
 * who accepts the defaults would, and finds buttons in posted messages to click.
 */
import { type StateValue, type StateValues, state } from '../slack-stand-in/slack-sender.js';

type Json = Record<string, unknown>;

/**
 * `view.state.values` for a modal as it was opened: every input holds its initial value or
 * option (what Slack shows pre-filled), then `overrides` (block_id → value) replace what the
 * user typed or picked. Inputs left empty are sent empty, as Slack does.
 */
export function formValues(view: Json, overrides: Readonly<Record<string, string>> = {}): StateValues {
  const values: StateValues = {};
  const blocks = Array.isArray(view['blocks']) ? (view['blocks'] as Json[]) : [];
  for (const block of blocks) {
    if (block['type'] !== 'input') continue;
    const blockId = String(block['block_id'] ?? '');
    const el = (block['element'] as Json | undefined) ?? {};
    const actionId = String(el['action_id'] ?? 'value');
    const override = overrides[blockId];
    const initialOption = el['initial_option'] as { value?: string; text?: { text?: string } } | undefined;
    let value: StateValue;
    switch (el['type']) {
      case 'plain_text_input':
        value = state.text(override ?? (typeof el['initial_value'] === 'string' ? el['initial_value'] : null));
        break;
      case 'number_input':
        value = state.number(override ?? (typeof el['initial_value'] === 'string' ? el['initial_value'] : null));
        break;
      case 'radio_buttons':
      case 'static_select':
      case 'external_select': {
        const chosen = override ?? initialOption?.value ?? null;
        const text = override ?? initialOption?.text?.text ?? chosen ?? '';
        value = state.select(chosen, text, String(el['type']));
        break;
      }
      default:
        continue;
    }
    values[blockId] = { [actionId]: value };
  }
  return values;
}

/** A button of a message's blocks, by action id. */
export function findButton(blocks: unknown, actionId: string): (Json & { block_id: string }) | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Json[]) {
    const elements = block['type'] === 'actions' ? block['elements'] : [block['accessory']];
    if (!Array.isArray(elements)) continue;
    for (const el of elements as Json[]) {
      if (el && el['type'] === 'button' && el['action_id'] === actionId) {
        return { ...el, block_id: String(block['block_id'] ?? '') };
      }
    }
  }
  return undefined;
}

/** Every link button's URL in a message's blocks. */
export function buttonUrls(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  const urls: string[] = [];
  for (const block of blocks as Json[]) {
    const elements = block['type'] === 'actions' ? block['elements'] : [block['accessory']];
    if (!Array.isArray(elements)) continue;
    for (const el of elements as Json[]) if (el && typeof el['url'] === 'string') urls.push(el['url']);
  }
  return urls;
}
