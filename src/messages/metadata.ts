/**
 * What a modal carries in `private_metadata` (≤ 3000 chars): where it was opened from, so the
 * status message goes to that channel (or a DM when it came from App Home), and UI state the
 * options listeners need (the chosen flavor, whether advanced options are shown).
 */
export interface ModalMetadata {
  /** Channel the command was run in; absent when opened from App Home. */
  channelId?: string;
  /** Advanced options shown. */
  advanced?: boolean;
  /** The chosen flavor, its architecture and category (for the image filter). */
  flavor?: string;
  arch?: string;
  category?: string;
  /** Start modal: what the user typed to name the notebook. */
  query?: string;
  /** Start modal: flavor of each offered notebook (id → flavor), for the access check on submit. */
  flavors?: Record<string, string>;
  /** Create modal: the auto-stop typed so far, in ms (the cost summary quotes it). */
  leaseMs?: number;
}

const KEYS: Record<keyof ModalMetadata, string> = {
  channelId: 'c',
  advanced: 'a',
  flavor: 'f',
  arch: 'fa',
  category: 'fc',
  query: 'q',
  flavors: 'cf',
  leaseMs: 'l',
};

/** Encodes metadata compactly (short keys, no undefined values). */
export function encodeMetadata(meta: ModalMetadata): string {
  const out: Record<string, unknown> = {};
  for (const [k, short] of Object.entries(KEYS)) {
    const v = meta[k as keyof ModalMetadata];
    if (v !== undefined && v !== false && v !== '') out[short] = v;
  }
  return JSON.stringify(out).slice(0, 3000);
}

/** Decodes metadata; anything malformed yields `{}` (the payload came from Slack, but be safe). */
export function decodeMetadata(raw: string | undefined): ModalMetadata {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object') return {};
  const src = parsed as Record<string, unknown>;
  const meta: ModalMetadata = {};
  const str = (short: string) => (typeof src[short] === 'string' ? (src[short] as string) : undefined);
  const channelId = str('c');
  if (channelId) meta.channelId = channelId;
  if (src['a'] === true) meta.advanced = true;
  const flavor = str('f');
  if (flavor) meta.flavor = flavor;
  const arch = str('fa');
  if (arch) meta.arch = arch;
  const category = str('fc');
  if (category) meta.category = category;
  const query = str('q');
  if (query) meta.query = query;
  const leaseMs = src['l'];
  if (typeof leaseMs === 'number' && Number.isFinite(leaseMs) && leaseMs > 0) meta.leaseMs = leaseMs;
  const cf = src['cf'];
  if (cf && typeof cf === 'object' && !Array.isArray(cf)) {
    const flavors: Record<string, string> = {};
    for (const [k, v] of Object.entries(cf as Record<string, unknown>)) if (typeof v === 'string') flavors[k] = v;
    meta.flavors = flavors;
  }
  return meta;
}
