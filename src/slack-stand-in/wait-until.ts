/**
 * Resolves with `check()`'s first truthy value: now, or when a change calls the waiters in
 * `waiters` (the stand-in calls each of them on every change). Rejects with `timedOut()` after
 * `timeoutMs`; the waiter is removed either way.
 */
export function waitUntil<T>(
  waiters: Set<() => void>,
  check: () => T | undefined | false,
  timeoutMs: number,
  timedOut: () => Error,
): Promise<T> {
  const first = check();
  if (first) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(timedOut());
    }, timeoutMs);
    const waiter = () => {
      const v = check();
      if (v) {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(v);
      }
    };
    waiters.add(waiter);
  });
}
