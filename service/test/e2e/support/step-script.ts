/**
 * What a cluster step script (run by runSteps in steps.ts) prints: one `E2E <json>` line per
 * step on stdout for the suite, the step's name and time on stderr for whoever watches.
 */
const started = Date.now();

export function emit(step: string, data: object): void {
  process.stderr.write(`[e2e ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${step}\n`);
  console.log(`E2E ${JSON.stringify({ step, ...data })}`);
}

/** Runs the script's main: exit 0 when it ends, else an `error` step with the stack and exit 1. */
export function runStepScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      emit('error', { message: error instanceof Error ? error.stack ?? error.message : String(error) });
      process.exit(1);
    },
  );
}
