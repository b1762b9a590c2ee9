import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { BENCH_DIR, log, TMP_DIR } from './report.js';

/**
 * The processes under test run the built bot: `npm run build` output in dist/, under plain `node`
 * (no TypeScript loader in their memory or on their CPU), as `node dist/main.js` does. A bench
 * child (bench/support/*.ts) is transpiled to JavaScript here, types stripped, and its imports of
 * `../../src/…` pointed at `dist/…`; its imports of other bench/support files are transpiled the
 * same way. The bench itself (load generator, stand-ins) still runs through tsx.
 */

const ROOT = resolve(BENCH_DIR, '..');
const OUT = join(TMP_DIR, 'built');
let built = false;

/** Runs `npm run build` once per process (incremental: quick when nothing changed). */
export function ensureBuilt(): void {
  if (built) return;
  const t0 = Date.now();
  execFileSync('npm', ['run', '--silent', 'build:incremental'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('npm run build produced no dist/main.js');
  log('bench', `built dist/ in ${Date.now() - t0} ms`);
  built = true;
}

/** The JavaScript of bench child `file` (absolute .ts path), importing dist/; returns its path. */
export function builtChild(file: string): string {
  ensureBuilt();
  mkdirSync(OUT, { recursive: true });
  const done = new Set<string>();
  const emit = (src: string): string => {
    const out = join(OUT, basename(src).replace(/\.ts$/, '.js'));
    if (done.has(src)) return out;
    done.add(src);
    const code = ts.transpileModule(readFileSync(src, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: src,
    }).outputText;
    const rewritten = code.replace(/from '(\.{1,2}\/[^']+)\.js'/g, (_m, spec: string) => {
      const target = resolve(dirname(src), `${spec}.ts`);
      const srcDir = join(ROOT, 'src');
      if (target.startsWith(`${srcDir}/`)) {
        const dist = join(ROOT, 'dist', relative(srcDir, target)).replace(/\.ts$/, '.js');
        return `from '${dist}'`;
      }
      if (dirname(target) === dirname(src)) return `from './${basename(emit(target))}'`;
      throw new Error(`${src}: a bench child may import src/ and bench/support/ only, not ${spec}`);
    });
    writeFileSync(out, rewritten);
    return out;
  };
  return emit(file);
}
