import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import {
  buildImageOptions,
  CREATE_BLOCKS,
  decodeMetadata,
  loadingAnswer,
  VALUE_ACTION,
} from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';

/**
 * Image options for the create modal: images for the chosen flavor's architecture (the flavor is
 * read from the view state, else from private_metadata where the flavor listener put it), newest
 * first, filtered by the typed text.
 */
export function imageOptions(deps: SlackDeps) {
  return async ({ ack, body }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    try {
      const meta = decodeMetadata(body.view?.private_metadata);
      const flavorId =
        body.view?.state.values[CREATE_BLOCKS.flavor]?.[VALUE_ACTION]?.selected_option?.value ?? meta.flavor;
      const [images, flavors] = await Promise.all([
        deps.catalog.images({ waitMs: deps.timing.catalogWaitMs }),
        flavorId ? deps.catalog.flavors({ waitMs: 300 }) : Promise.resolve(undefined),
      ]);
      if (!images) {
        await ack(loadingAnswer('images'));
        return;
      }
      const flavor = flavors?.items.find((f) => f.id === flavorId);
      const sameFlavor = flavorId === meta.flavor;
      await ack(
        buildImageOptions(images.items, body.value ?? '', {
          arch: flavor?.arch ?? (sameFlavor ? meta.arch : undefined),
          category: flavor?.category ?? (sameFlavor ? meta.category : undefined),
        }),
      );
    } catch (err) {
      deps.logger.warn({ err }, 'image options failed');
      await ack({ options: [] });
    }
  };
}
