import { ModelArtsApiError } from '../../modelarts/index.js';

/** ModelArts notebook error codes the processors treat as states rather than failures. */
export const MODELARTS_CODES = {
  /** Delete: "stop the instance before deleting it". */
  stopBeforeDelete: 'ModelArts.6304',
  alreadyRunning: 'ModelArts.6305',
  isStarting: 'ModelArts.6306',
  alreadyStopped: 'ModelArts.6307',
  isStopping: 'ModelArts.6308',
} as const;

/** True when `err` is a ModelArts answer carrying one of `codes`. */
export function hasErrorCode(err: unknown, ...codes: readonly string[]): err is ModelArtsApiError {
  return err instanceof ModelArtsApiError && err.errorCode !== undefined && codes.includes(err.errorCode);
}
