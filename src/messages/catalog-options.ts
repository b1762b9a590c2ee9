import type { Flavor, Image } from '../modelarts/index.js';
import { formatHourly, type Money } from './costs.js';
import { truncate } from './format.js';
import { type Option, type OptionGroup, option, plain } from './kit.js';

/** The flavor fields the Slack surface uses (kept small in Redis). */
export type CatalogFlavor = Pick<
  Flavor,
  'id' | 'name' | 'arch' | 'category' | 'vcpus' | 'memory' | 'gpu' | 'sold_out' | 'free'
> & {
  /** Ascend NPUs (not in the documented schema, but sent by the service). */
  ascend?: { npu?: number; npu_memory?: number | string; type?: string };
};
/** The image fields the Slack surface uses. */
export type CatalogImage = Pick<
  Image,
  | 'id'
  | 'name'
  | 'tag'
  | 'arch'
  | 'type'
  | 'create_at'
  | 'update_at'
  | 'resource_categories'
  | 'support_res_categories'
  | 'dev_services'
>;

/** Slack shows at most 100 options in one external_select answer. */
export const MAX_OPTIONS = 100;
/** Value of the placeholder option shown while the list is still loading; never a valid choice. */
export const LOADING_VALUE = '__loading__';

/** What an options request answers: plain options or option groups (Slack takes one or the other). */
export type OptionsAnswer = { options: Option[] } | { option_groups: OptionGroup[] };

/** The answer while nothing is cached yet and ModelArts is slow: one option that says so. */
export function loadingAnswer(what: string): OptionsAnswer {
  return { options: [option(`Still loading ${what} from ModelArts… type again`, LOADING_VALUE)] };
}

/** `x86_64`, `amd64` → `X86_64`; `aarch64`, `arm64` → `AARCH64`; unknown values pass uppercased. */
export function normalizeArch(arch: string | undefined): string | undefined {
  if (!arch) return undefined;
  const a = arch.trim().toUpperCase();
  if (['X86_64', 'X86', 'AMD64', 'X64'].includes(a)) return 'X86_64';
  if (['AARCH64', 'ARM64', 'ARM'].includes(a)) return 'AARCH64';
  return a;
}

function matches(haystack: Array<string | number | undefined>, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = haystack
    .filter((v) => v !== undefined)
    .join(' ')
    .toLowerCase();
  return words.every((w) => text.includes(w));
}

const CATEGORY_ORDER = ['CPU', 'GPU', 'ASCEND'];
const CATEGORY_LABEL: Record<string, string> = { CPU: 'CPU', GPU: 'GPU', ASCEND: 'Ascend (NPU)' };

/**
 * Memory in GB. The service reports KiB (8 GB = 8388608) while the docs say GB; both readings
 * work: huge values are KiB, mid-sized ones MiB, small ones GB.
 */
export function memoryGb(memory: number): number {
  const gb = memory >= 1_048_576 ? memory / 1_048_576 : memory >= 4096 ? memory / 1024 : memory;
  return Math.round(gb * 10) / 10;
}

/** `2 vCPU · 8 GB · 1× T4 16 GB`: the one-line summary of a flavor's size. */
export function flavorSummary(f: CatalogFlavor): string {
  const parts: string[] = [];
  if (f.vcpus !== undefined) parts.push(`${f.vcpus} vCPU`);
  if (f.memory !== undefined) parts.push(`${memoryGb(f.memory)} GB`);
  if (f.gpu?.gpu)
    parts.push(`${f.gpu.gpu}× ${f.gpu.type ?? 'GPU'}${f.gpu.gpu_memory ? ` ${f.gpu.gpu_memory} GB` : ''}`);
  if (f.ascend?.npu) parts.push(`${f.ascend.npu}× ${f.ascend.type ?? 'NPU'}`);
  return parts.join(' · ');
}

/**
 * The option for one flavor; sold-out ones are marked in the text so nobody picks them by accident.
 * With a `price`, the text ends with it (`· €3.10/h`) and the rest is shortened to fit Slack's 75
 * characters, so the price is never the part cut off.
 */
export function flavorOption(f: CatalogFlavor, price?: Money): Option {
  const size = flavorSummary(f);
  const label = `${f.sold_out ? '⛔ sold out · ' : ''}${f.id}${size ? ` · ${size}` : ''}`;
  const description = f.name && f.name !== f.id ? f.name : undefined;
  if (!price) return option(label, f.id, description);
  const suffix = ` · ${formatHourly(price)}`;
  return option(`${truncate(label, MAX_OPTION_TEXT - suffix.length)}${suffix}`, f.id, description);
}

/** Slack's limit on an option's text. */
const MAX_OPTION_TEXT = 75;

/**
 * Flavor options for the create modal: only `allowed` ids, filtered by every word the user typed
 * (id, name, category, arch, GPU type), grouped CPU / GPU / Ascend, available before sold out,
 * smallest first, at most 100.
 */
export function buildFlavorOptions(
  flavors: readonly CatalogFlavor[],
  query: string,
  allowed: ReadonlySet<string>,
  priceOf?: (flavorId: string) => Money | undefined,
): OptionsAnswer {
  const picked = flavors.filter(
    (f) =>
      allowed.has(f.id) &&
      matches(
        [f.id, f.name, f.category, f.arch, f.gpu?.type, f.ascend?.type, f.sold_out ? 'sold out' : 'available'],
        query,
      ),
  );
  const groups = new Map<string, CatalogFlavor[]>();
  for (const f of picked) {
    const cat = CATEGORY_ORDER.includes(f.category ?? '') ? (f.category as string) : 'OTHER';
    groups.set(cat, [...(groups.get(cat) ?? []), f]);
  }
  const ordered = [...CATEGORY_ORDER, 'OTHER'].filter((c) => groups.has(c));
  const sorted = (list: CatalogFlavor[]) =>
    [...list].sort(
      (a, b) =>
        Number(Boolean(a.sold_out)) - Number(Boolean(b.sold_out)) ||
        (a.vcpus ?? 0) - (b.vcpus ?? 0) ||
        (a.memory ?? 0) - (b.memory ?? 0) ||
        a.id.localeCompare(b.id),
    );
  let budget = MAX_OPTIONS;
  const optionGroups: OptionGroup[] = [];
  for (const cat of ordered) {
    if (budget <= 0) break;
    const opts = sorted(groups.get(cat) ?? [])
      .slice(0, budget)
      .map((f) => flavorOption(f, priceOf?.(f.id)));
    budget -= opts.length;
    optionGroups.push({ label: plain(CATEGORY_LABEL[cat] ?? 'Other', 75), options: opts });
  }
  return optionGroups.length ? { option_groups: optionGroups } : { options: [] };
}

/** Whether an image declares support for a flavor category (images that say nothing are kept). */
function supportsCategory(img: CatalogImage, category: string | undefined): boolean {
  if (!category) return true;
  const declared = [...(img.resource_categories ?? []), ...(img.support_res_categories ?? [])].map((c) =>
    c.toUpperCase(),
  );
  return declared.length === 0 || declared.includes(category.toUpperCase());
}

/** Images usable for a notebook: ones that declare their services must list NOTEBOOK. */
function forNotebooks(img: CatalogImage): boolean {
  return !img.dev_services?.length || img.dev_services.some((s) => s.toUpperCase() === 'NOTEBOOK');
}

/** Which flavor the images must fit: its architecture and category, when known. */
export interface ImageFilter {
  arch?: string | undefined;
  category?: string | undefined;
}

function compatible(img: CatalogImage, filter: ImageFilter): boolean {
  const want = normalizeArch(filter.arch);
  const have = normalizeArch(img.arch);
  return forNotebooks(img) && (!want || !have || want === have) && supportsCategory(img, filter.category);
}

function newestFirst(a: CatalogImage, b: CatalogImage): number {
  return (b.update_at ?? b.create_at ?? 0) - (a.update_at ?? a.create_at ?? 0) || a.id.localeCompare(b.id);
}

/** `pytorch1.8-cuda10.2:v1`: how an image is named to people. */
export function imageLabel(img: CatalogImage): string {
  const name = img.name ?? img.id;
  return img.tag ? `${name}:${img.tag}` : name;
}

/**
 * Image options for the create modal: images matching the chosen flavor's architecture (and
 * category, when the image declares them), filtered by what the user typed, newest first, the
 * team's own (DEDICATED) images and built-in ones in separate groups, at most 100.
 */
export function buildImageOptions(images: readonly CatalogImage[], query: string, filter: ImageFilter): OptionsAnswer {
  const picked = images
    .filter((i) => compatible(i, filter) && matches([i.id, i.name, i.tag, i.arch, i.type], query))
    .sort(newestFirst);
  const builtIn = picked.filter((i) => (i.type ?? 'BUILD_IN').toUpperCase() === 'BUILD_IN');
  const custom = picked.filter((i) => (i.type ?? 'BUILD_IN').toUpperCase() !== 'BUILD_IN');
  const arch = normalizeArch(filter.arch);
  const suffix = arch ? ` (${arch.toLowerCase()})` : '';
  const groups: OptionGroup[] = [];
  let budget = MAX_OPTIONS;
  for (const [label, list] of [
    // The team's own images first: fewer, and what it saved for itself; built-in ones may run to hundreds.
    [`Your images${suffix}`, custom],
    [`Built-in images${suffix}`, builtIn],
  ] as const) {
    if (!list.length || budget <= 0) continue;
    const opts = list.slice(0, budget).map((i) => option(imageLabel(i), i.id, normalizeArch(i.arch)?.toLowerCase()));
    budget -= opts.length;
    groups.push({ label: plain(label, 75), options: opts });
  }
  return groups.length ? { option_groups: groups } : { options: [] };
}

/** The default image for a flavor: the newest built-in image that fits it. */
export function pickDefaultImage(images: readonly CatalogImage[], filter: ImageFilter): CatalogImage | undefined {
  return images
    .filter((i) => (i.type ?? 'BUILD_IN').toUpperCase() === 'BUILD_IN' && compatible(i, filter))
    .sort(newestFirst)[0];
}
