import { CREATE_BLOCKS } from '../../src/messages/create-modal.js';
import { SIMULATOR_DEFAULT_FLAVOR } from '../../src/simulator/index.js';
import { type StateValues, state } from '../../src/slack-stand-in/slack-sender.js';

/**
 * The create modal as a person fills it in, valid throughout: `name`, the simulator's default
 * flavor, the default image, 5 GB of managed EVS, a 1 h timed lease. `over` replaces or adds
 * fields by block id.
 */
export function createFormValues(name: string, over: StateValues = {}): StateValues {
  return {
    [CREATE_BLOCKS.name]: { value: state.text(name) },
    [CREATE_BLOCKS.flavor]: { value: state.external(SIMULATOR_DEFAULT_FLAVOR) },
    [CREATE_BLOCKS.image]: { value: state.external(null) },
    [CREATE_BLOCKS.storageType]: { value: state.select('EVS:MANAGED') },
    [CREATE_BLOCKS.storageSize]: { value: state.number('5') },
    [CREATE_BLOCKS.leaseDuration]: { value: state.text('1h') },
    [CREATE_BLOCKS.leaseType]: { value: state.radio('TIMING') },
    ...over,
  };
}
