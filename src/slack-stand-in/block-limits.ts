/**
 * Slack's Block Kit limits, as the fake Web API enforces them (real Slack answers
 * `invalid_blocks`): at most 50 blocks in a message and 100 in a view, section text up to 3000
 * characters, option text up to 75 and option values up to 150. Only the limits the bot relies
 * on; see /work/shared/docs/slack-platform.md.
 */

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url']);
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.publish', 'views.push']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Problems with the options of one select or options answer (`options` or `option_groups`). */
export function optionProblems(container: Json, at: string): string[] {
  const out: string[] = [];
  const check = (o: unknown, where: string) => {
    if (!isObject(o)) return;
    const text = isObject(o['text']) ? o['text']['text'] : undefined;
    if (typeof text === 'string' && text.length > 75)
      out.push(`${where}.text: ${text.length} characters, more than 75`);
    const value = o['value'];
    if (typeof value === 'string' && value.length > 150)
      out.push(`${where}.value: ${value.length} characters, more than 150`);
    const desc = isObject(o['description']) ? o['description']['text'] : undefined;
    if (typeof desc === 'string' && desc.length > 75)
      out.push(`${where}.description: ${desc.length} characters, more than 75`);
  };
  const options = container['options'];
  if (Array.isArray(options)) {
    options.forEach((o, i) => {
      check(o, `${at}.options[${i}]`);
    });
  }
  const groups = container['option_groups'];
  if (Array.isArray(groups)) {
    groups.forEach((g, gi) => {
      if (isObject(g) && Array.isArray(g['options'])) {
        (g['options'] as unknown[]).forEach((o, i) => {
          check(o, `${at}.option_groups[${gi}].options[${i}]`);
        });
      }
    });
  }
  if (isObject(container['initial_option'])) check(container['initial_option'], `${at}.initial_option`);
  return out;
}

function blockProblems(blocks: unknown[], at: string): string[] {
  const out: string[] = [];
  blocks.forEach((b, i) => {
    if (!isObject(b)) return;
    const where = `${at}[${i}]`;
    if (b['type'] === 'section' && isObject(b['text'])) {
      const text = b['text']['text'];
      if (typeof text === 'string' && text.length > 3000)
        out.push(`${where}.text: ${text.length} characters, more than 3000`);
    }
    const elements = [
      ...(Array.isArray(b['elements']) ? (b['elements'] as unknown[]) : []),
      ...(isObject(b['element']) ? [b['element']] : []),
      ...(isObject(b['accessory']) ? [b['accessory']] : []),
    ];
    elements.forEach((e, j) => {
      if (isObject(e)) out.push(...optionProblems(e, `${where}.elements[${j}]`));
    });
  });
  return out;
}

/** What Slack would refuse in a Web API call's blocks (empty: nothing). */
export function blockKitProblems(method: string, args: Json): string[] {
  if (MESSAGE_METHODS.has(method)) {
    const blocks = args['blocks'];
    if (!Array.isArray(blocks)) return [];
    const out = blocks.length > 50 ? [`blocks: ${blocks.length} blocks, more than 50 in a message`] : [];
    return [...out, ...blockProblems(blocks, 'blocks')];
  }
  if (VIEW_METHODS.has(method) && isObject(args['view'])) {
    const blocks = args['view']['blocks'];
    if (!Array.isArray(blocks)) return [];
    const out = blocks.length > 100 ? [`view.blocks: ${blocks.length} blocks, more than 100 in a view`] : [];
    return [...out, ...blockProblems(blocks, 'view.blocks')];
  }
  return [];
}
