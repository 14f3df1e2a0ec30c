/**
 * The import rules of docs/design.md ("Architecture"), checked by `npm run lint:imports`
 * (part of `npm test`). service/src is two programs, api/ (the book service) and consumer/
 * (the book-catalog consumer), plus what both read: contract/ and shared/. bin/ is where
 * every process starts.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'No import cycle anywhere: in the product, the tools or the tests.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'consumer-not-api',
      severity: 'error',
      comment: 'The consumer reads the event contract, never the service that writes it.',
      from: { path: '^service/src/consumer/' },
      to: { path: '^service/src/api/' },
    },
    {
      name: 'api-not-consumer',
      severity: 'error',
      comment: 'The service knows nothing of who consumes its events.',
      from: { path: '^service/src/api/' },
      to: { path: '^service/src/consumer/' },
    },
    {
      name: 'shared-not-programs',
      severity: 'error',
      comment: 'contract/ and shared/ serve both programs, so they import neither.',
      from: { path: '^service/src/(contract|shared)/' },
      to: { path: '^service/src/(api|consumer|bin)/' },
    },
    {
      name: 'bin-is-a-start',
      severity: 'error',
      comment: 'bin/ holds entry points: a process starts there, nothing imports them.',
      from: {},
      to: { path: '^service/src/bin/' },
    },
    {
      name: 'product-not-tools',
      severity: 'error',
      comment: 'The image builds service/src alone: product code never imports the tooling or the tests.',
      from: { path: '^service/src/' },
      to: { path: '^(tools|test|service/test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
