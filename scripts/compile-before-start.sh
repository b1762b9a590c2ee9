#!/bin/sh
# prestart, predemo and predoctor: compile src/ into dist/, incrementally. The first compile of a
# fresh clone takes a while, so it is announced (on stderr: stdout stays the program's), except
# under `npm run --silent`, which asks for no such lines.
if [ ! -f dist/.tsbuildinfo ] && [ "${npm_config_loglevel:-}" != silent ]; then
  echo 'Compiling TypeScript (first start only; later starts recompile what changed)…' >&2
fi
exec npm run --silent build:incremental
