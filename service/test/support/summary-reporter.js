// Prints one closing line that CI systems read: "jest: N passed, N failed, N skipped", and the
// suites that could not run at all (their tests are counted nowhere else).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const broken = results.numRuntimeErrorTestSuites ? `, ${results.numRuntimeErrorTestSuites} suite(s) failed to run` : '';
    console.log(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped${broken}`);
  }
}
module.exports = SummaryReporter;
