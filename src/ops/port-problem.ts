/**
 * What to do when the bot's HTTP port cannot be opened: `listen` failed because the port is
 * taken (`EADDRINUSE`) or needs privileges (`EACCES`). Every listener of the bot (Bolt's HTTP
 * receiver, the ops server, the kept-running demo) listens on `PORT`, so the fix names it.
 *
 * @param rerun the command the fix applies to, e.g. `npm start -- --keep-running`
 * @returns one line for the person at the terminal, or undefined for any other error
 */
export function portProblem(err: unknown, rerun = 'npm start'): string | undefined {
  const e = err as { code?: unknown; port?: unknown; address?: unknown } | null | undefined;
  if (e?.code !== 'EADDRINUSE' && e?.code !== 'EACCES') return undefined;
  const port = typeof e.port === 'number' ? e.port : undefined;
  const where =
    port === undefined ? 'the HTTP port' : `port ${port}${typeof e.address === 'string' ? ` on ${e.address}` : ''}`;
  const taken = e.code === 'EADDRINUSE';
  const suggestion = taken && port !== undefined && port >= 1024 && port < 65535 ? port + 1 : 3000;
  const why = taken
    ? `${where} is already in use (another bot, or another program)`
    : `${where} needs privileges this process does not have`;
  return `${why}: set PORT to a free port, e.g. PORT=${suggestion} ${rerun}`;
}
