import type { CallOptions, ModelArtsApi, Notebook } from '../modelarts/index.js';
import { isNotFound } from '../modelarts/index.js';

/** How a name or id the user typed maps to notebooks. */
export type Resolution =
  | { kind: 'found'; notebook: Notebook }
  /** Several notebooks share the exact name (`exact`), or only fuzzy matches exist. */
  | { kind: 'ambiguous'; candidates: Notebook[]; exact: boolean }
  | { kind: 'none' };

/** Most candidates a picker offers. */
export const MAX_CANDIDATES = 10;

/** What ListNotebooks' `name` filter accepts (model_list_notebooks_request.go: letters, digits, - and _). */
const NAME_FILTER = /^[A-Za-z0-9_-]{1,128}$/;

const ID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves what the user typed to one notebook. An id is looked up directly. Otherwise the list
 * API is asked by name, which matches fuzzily (`nb` finds `nb`, `nb-2`, `my-nb`): one exact match
 * wins; several exact matches (names may repeat) or only fuzzy ones make a picker; nothing, none.
 */
export async function resolveNotebook(
  modelarts: ModelArtsApi,
  query: string,
  options: CallOptions = {},
): Promise<Resolution> {
  const q = query.trim();
  if (ID_LIKE.test(q)) {
    try {
      return { kind: 'found', notebook: await modelarts.showNotebook(q, options) };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  // No notebook name has other characters, and ListNotebooks refuses them in its `name` filter.
  if (!NAME_FILTER.test(q)) return { kind: 'none' };
  // `name` is a fuzzy filter, so every page is read: an exact match may sit behind fuzzy ones.
  const all = (await modelarts.listAllNotebooks({ name: q }, options)).filter((n) => n.status !== 'DELETED');
  const exact = all.filter((n) => n.name === q);
  if (exact.length === 1) return { kind: 'found', notebook: exact[0]! };
  if (exact.length > 1) return { kind: 'ambiguous', candidates: exact.slice(0, MAX_CANDIDATES), exact: true };
  const lower = q.toLowerCase();
  const fuzzy = all
    .filter((n) => n.name.toLowerCase().includes(lower) || n.id === q)
    .sort((a, b) => a.name.length - b.name.length || a.name.localeCompare(b.name));
  const candidates = (fuzzy.length ? fuzzy : all).slice(0, MAX_CANDIDATES);
  return candidates.length ? { kind: 'ambiguous', candidates, exact: false } : { kind: 'none' };
}
