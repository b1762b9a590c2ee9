import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { buildFlavorOptions, LOADING_VALUE, loadingAnswer, option } from '../../../messages/index.js';
import { within } from '../../../timeout.js';
import type { SlackDeps } from '../../deps.js';

/**
 * Flavor options for the create modal's external_select: from the Redis-cached catalog (never a
 * wait beyond the catalog's bound), only the flavors the access policy lets this user pick,
 * filtered by the typed text, grouped CPU/GPU/Ascend, sold-out ones marked.
 */
export function flavorOptions(deps: SlackDeps) {
  return async ({ ack, body }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    try {
      const entry = await deps.catalog.flavors({ waitMs: deps.timing.catalogWaitMs });
      if (!entry) {
        await ack(loadingAnswer('flavors'));
        return;
      }
      const allowed = await within(
        deps.access.allowedFlavors(
          body.user.id,
          entry.items.map((f) => f.id),
        ),
        800,
      );
      if (!allowed) {
        await ack({ options: [option('Still checking which flavors you may use… type again', LOADING_VALUE)] });
        return;
      }
      // With prices in the policy, each option ends with the flavor's hourly price.
      const usage = deps.access.usage;
      await ack(
        buildFlavorOptions(entry.items, body.value ?? '', allowed, usage ? (id) => usage.priceOf(id) : undefined),
      );
    } catch (err) {
      deps.logger.warn({ err }, 'flavor options failed');
      await ack({ options: [] });
    }
  };
}
