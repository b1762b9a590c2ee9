import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type CallInfo, ModelArtsClient, type ModelArtsClientAuth } from '../modelarts/client.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_SK,
  type Simulator,
} from '../simulator/index.js';

/** The ModelArts side of a running bot. */
export interface ModelArtsConnection {
  client: ModelArtsClient;
  /** The in-process simulator, when no Huawei credentials and no endpoint were given. */
  simulator: Simulator | undefined;
  /** What the bot talks to, for logs: never a credential. */
  description: string;
  /** Closes the client's connections, then stops the in-process simulator. */
  close(): Promise<void>;
}

/** What `connectModelArts` wires into the client. */
export interface ModelArtsConnectOptions {
  clock: Clock;
  logger: Logger;
  /** Metrics hook, called after every HTTP attempt. */
  onCall?: (info: CallInfo) => void;
}

/**
 * Builds the ModelArts client from the configuration:
 * - Huawei credentials (AK/SK or IAM password): the real endpoint;
 * - no credentials, `MODELARTS_ENDPOINT` set: a simulator running elsewhere (`npm run simulator`),
 *   with its well-known AK/SK and project id;
 * - nothing set: the simulator started here, in-process, on loopback, sharing the bot's clock.
 */
export async function connectModelArts(config: Config, options: ModelArtsConnectOptions): Promise<ModelArtsConnection> {
  const { auth, endpoint, projectId } = config.modelarts;
  const logger = options.logger.child({ component: 'modelarts' });
  const common = {
    clock: options.clock,
    logger,
    timeoutMs: config.modelarts.timeoutMs,
    ...(options.onCall ? { onCall: options.onCall } : {}),
  };

  if (auth.kind !== 'simulator') {
    if (!endpoint || !projectId) throw new Error('ModelArts endpoint and project id are required with credentials');
    const client = new ModelArtsClient({ ...common, endpoint, projectId, auth: auth as ModelArtsClientAuth });
    return {
      client,
      simulator: undefined,
      description: `ModelArts at ${endpoint} (${auth.kind === 'aksk' ? 'AK/SK' : 'IAM password'} auth)`,
      close: () => client.close(),
    };
  }

  const simulatorAuth: ModelArtsClientAuth = { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK };
  if (endpoint) {
    const client = new ModelArtsClient({
      ...common,
      endpoint,
      projectId: projectId ?? SIMULATOR_PROJECT_ID,
      auth: simulatorAuth,
    });
    return {
      client,
      simulator: undefined,
      description: `the ModelArts simulator at ${endpoint}`,
      close: () => client.close(),
    };
  }

  const simulator = createSimulator({
    clock: options.clock,
    onError: (err) => logger.error({ err }, 'simulator error'),
  });
  const { url } = await simulator.start(0, '127.0.0.1');
  const client = new ModelArtsClient({ ...common, endpoint: url, projectId: simulator.projectId, auth: simulatorAuth });
  return {
    client,
    simulator,
    description: `the built-in ModelArts simulator at ${url} (time x${config.env.SIMULATOR_TIME_SCALE})`,
    close: async () => {
      await client.close();
      await simulator.stop();
    },
  };
}
