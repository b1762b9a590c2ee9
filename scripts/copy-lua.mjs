// Part of `npm run build`: tsc compiles the TypeScript; this copies the Lua scripts
// (src/**/*.lua, read by src/store/lua.ts at run time) to the same place under dist/.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', from.slice('src/'.length)));
}
