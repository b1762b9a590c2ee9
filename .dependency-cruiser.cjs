/**
 * The direction of every import in src/ (npm run check → npm run deps).
 *
 *   app (app/, main.ts, demo/, doctor/, ops/)
 *     → features: slack → jobs → schedules → leases → access → usage
 *                 (each may import only those to its right)
 *       → shared: operations, messages, store, modelarts
 *         → base: errors.ts, clock.ts, logger.ts, config.ts, timeout.ts, zoned-time.ts
 *
 * Type-only imports are not edges here: they vanish at compile time, and a shared contract may
 * name a feature's interface (operations/submit.ts takes an AccessControl).
 * @type {import('dependency-cruiser').IConfiguration}
 */
const BASE = '^src/(errors|clock|logger|config|timeout|zoned-time)\\.ts$';
const SHARED = '^src/(operations|messages|store|modelarts)/';
const FEATURE = '^src/(slack|jobs|schedules|leases|access|usage)/';
const APP = '^src/(app/|main\\.ts$|demo/|doctor/|ops/)';
const STAND_INS = '^src/(simulator|slack-stand-in)/';

const { existsSync } = require('node:fs');

module.exports = {
  forbidden: [
    {
      name: 'base-imports-nothing-above',
      comment: 'errors, clock, logger, config and timeout are the base: they import no folder (config may read modelarts/regions.ts, pure data)',
      severity: 'error',
      from: { path: BASE },
      to: { path: '^src/', pathNot: [BASE, '^src/modelarts/regions\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'shared-imports-no-feature-or-app',
      comment: 'operations, messages, store and modelarts sit below the feature folders and the composition root',
      severity: 'error',
      from: { path: SHARED },
      to: { path: [FEATURE, APP], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'messages-imports-no-operations',
      comment: 'messages are rendered by operations, not the reverse (type-only imports of the operation contract are fine)',
      severity: 'error',
      from: { path: '^src/messages/' },
      to: { path: '^src/operations/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'feature-imports-no-app',
      severity: 'error',
      from: { path: FEATURE },
      to: { path: APP, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'access-imports-no-feature',
      comment: 'feature order: slack → jobs → leases → access',
      severity: 'error',
      from: { path: '^src/access/' },
      to: { path: '^src/(slack|jobs|leases)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'usage-imports-no-feature',
      comment: 'feature order: slack → jobs → schedules → leases → access → usage (costs and usage: the last feature)',
      severity: 'error',
      from: { path: '^src/usage/' },
      to: { path: '^src/(slack|jobs|schedules|leases|access)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'leases-imports-only-access',
      comment: 'feature order: slack → jobs → leases → access',
      severity: 'error',
      from: { path: '^src/leases/' },
      to: { path: '^src/(slack|jobs)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'jobs-imports-no-slack',
      comment: 'feature order: slack → jobs → leases → access',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/slack/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'schedules-in-feature-order',
      comment:
        'working-hours schedules (src/schedules) sit between jobs and leases: slack → jobs → schedules → leases → access',
      severity: 'error',
      from: { path: '^src/schedules/' },
      to: { path: ['^src/(slack|jobs)/', APP], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'below-schedules-imports-no-schedules',
      comment: 'leases, access, usage and the shared folders sit below schedules (the lease watch gets a hook, not an import)',
      severity: 'error',
      from: { path: ['^src/(leases|access|usage)/', SHARED] },
      to: { path: '^src/schedules/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-slack-imports-bolt',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/slack/' },
      to: { path: 'node_modules/@slack/bolt/' },
    },
    {
      name: 'no-stand-ins-in-production',
      comment:
        'the simulator and the Slack stand-in serve tests, the demo and benches; the only production path to the simulator is app/modelarts.ts (the built-in simulator when no credentials are set)',
      severity: 'error',
      from: { path: '^src/', pathNot: [STAND_INS, '^src/demo/', '^src/app/modelarts\\.ts$'] },
      to: { path: STAND_INS },
    },
    {
      name: 'through-the-index',
      comment: 'a folder is entered through its index.ts; only app-level code (app/, demo/, doctor/, main.ts) may wire internals',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '^src/(app|demo|doctor)/' },
      to: {
        path: '^src/([^/]+)/',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    ...(existsSync('tsconfig.json') ? { tsConfig: { fileName: 'tsconfig.json' } } : {}),
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
