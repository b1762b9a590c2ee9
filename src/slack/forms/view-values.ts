import type { ViewStateValue } from '@slack/bolt';

/** `view.state.values`: block_id → action_id → value. */
export type ViewValues = Record<string, Record<string, ViewStateValue>>;

/** One problem shown under one block of a modal. */
export interface BlockIssue {
  blockId: string;
  message: string;
}

/** The trimmed text of a plain_text_input / number_input, or undefined when empty or absent. */
export function textValue(values: ViewValues, blockId: string, actionId = 'value'): string | undefined {
  const v = values[blockId]?.[actionId]?.value;
  const t = typeof v === 'string' ? v.trim() : '';
  return t === '' ? undefined : t;
}

/** The value of the selected option of a select or radio group. */
export function selectedValue(values: ViewValues, blockId: string, actionId = 'value'): string | undefined {
  return values[blockId]?.[actionId]?.selected_option?.value ?? undefined;
}

/** Splits a comma/space/semicolon separated list, dropping empty items. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Turns issues into the `errors` map of `response_action: 'errors'`: one message per block, all
 * problems of a block joined, so the user sees everything at once.
 */
export function issuesToErrors(issues: readonly BlockIssue[]): Record<string, string> {
  const grouped = new Map<string, string[]>();
  for (const i of issues) {
    const list = grouped.get(i.blockId) ?? [];
    if (!list.includes(i.message)) list.push(i.message);
    grouped.set(i.blockId, list);
  }
  const out: Record<string, string> = {};
  for (const [blockId, messages] of grouped) {
    const joined = messages.map((m) => m.replace(/\.$/, '')).join('; ');
    out[blockId] = joined.length > 1900 ? `${joined.slice(0, 1899)}…` : `${joined}.`;
  }
  return out;
}
