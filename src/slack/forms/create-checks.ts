import type { CatalogFlavor } from '../../messages/index.js';
import { CREATE_BLOCKS, mrkdwnToPlain, pickDefaultImage } from '../../messages/index.js';
import { within } from '../../timeout.js';
import type { SlackDeps } from '../deps.js';
import type { CreateDraft } from './create-form.js';
import type { BlockIssue } from './view-values.js';

/**
 * Checks of the create form that need the catalog or the access policy (not just the schema):
 * the flavor is one this user may pick, exists and is not sold out; an empty image becomes the
 * newest built-in image that fits the flavor. Bounded by the catalog wait: a view submission has
 * 3 s in all. Mutates `draft.image_id` when it picks the default.
 */
export async function checkCreateAgainstCatalog(
  deps: Pick<SlackDeps, 'catalog' | 'access' | 'defaults' | 'timing'>,
  userId: string,
  draft: CreateDraft,
): Promise<{
  issues: BlockIssue[];
  flavor?: CatalogFlavor;
  /** The access policy refused the flavor (the caller audits it). */
  flavorRefused: boolean;
}> {
  const issues: BlockIssue[] = [];
  const flavorId = draft.flavor;
  const wait = { waitMs: deps.timing.catalogWaitMs };
  const needImage = !draft.image_id && !deps.defaults.imageId;
  // All three in parallel: the submission has 3 s in all, and each wait is bounded.
  const [flavors, allowed, images] = await Promise.all([
    deps.catalog.flavors(wait),
    // Bounded: when the policy lookup is slow, access.check (which also judges the flavor) decides.
    flavorId ? within(deps.access.allowedFlavors(userId, [flavorId]), 800) : Promise.resolve(new Set<string>()),
    needImage ? deps.catalog.images(wait) : Promise.resolve(undefined),
  ]);
  const flavor = flavorId ? flavors?.items.find((f) => f.id === flavorId) : undefined;
  let flavorRefused = false;
  if (flavorId) {
    if (allowed && !allowed.has(flavorId)) {
      flavorRefused = true;
      issues.push({
        blockId: CREATE_BLOCKS.flavor,
        message: `You may not use flavor ${flavorId}. Pick another flavor, or ask ${mrkdwnToPlain(deps.access.adminContact())} for access (rule flavor)`,
      });
    } else if (flavors && !flavor)
      issues.push({
        blockId: CREATE_BLOCKS.flavor,
        message: `ModelArts does not offer ${flavorId} here; pick another`,
      });
    else if (flavor?.sold_out)
      issues.push({ blockId: CREATE_BLOCKS.flavor, message: `${flavorId} is sold out right now; pick another` });
  }
  if (!draft.image_id) {
    if (deps.defaults.imageId) draft.image_id = deps.defaults.imageId;
    else {
      const image = images
        ? pickDefaultImage(images.items, { arch: flavor?.arch, category: flavor?.category })
        : undefined;
      if (image) draft.image_id = image.id;
      else {
        issues.push({
          blockId: CREATE_BLOCKS.image,
          message: images
            ? 'No built-in image fits this flavor; pick an image'
            : 'The image list is still loading; pick an image or submit again',
        });
      }
    }
  }
  return { issues, flavorRefused, ...(flavor ? { flavor } : {}) };
}
