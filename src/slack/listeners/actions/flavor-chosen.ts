import type { SlackDeps } from '../../deps.js';
import { createModalSelect } from './create-modal-select.js';

/**
 * A flavor was picked in the create modal: remember it, with its architecture and category, in
 * private_metadata, so the image options match it even when Slack leaves the selection out of the
 * options request's view state.
 */
export function flavorChosen(deps: SlackDeps) {
  return createModalSelect(deps, 'record the chosen flavor', async (flavorId, meta) => {
    if (!flavorId) return undefined;
    const flavors = await deps.catalog.flavors({ waitMs: 500 }).catch(() => undefined);
    const flavor = flavors?.items.find((f) => f.id === flavorId);
    const next = {
      ...meta,
      flavor: flavorId,
      ...(flavor?.arch ? { arch: flavor.arch } : {}),
      ...(flavor?.category ? { category: flavor.category } : {}),
    };
    if (!flavor?.arch) delete next.arch;
    if (!flavor?.category) delete next.category;
    return next;
  });
}
