// Prints one closing line CI can read ("e2e: N passed, N failed, N skipped") and why tests skipped.
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  private reasons: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    // Only the final attempt counts.
    if (result.status !== 'passed' && result.retry < test.retries) return;
    if (result.status === 'passed') this.passed++;
    else if (result.status === 'skipped') {
      this.skipped++;
      const why = test.annotations.find((a) => a.type === 'skip')?.description;
      this.reasons.push(`${test.title}: ${why ?? 'skipped'}`);
    } else this.failed++;
  }

  onEnd(_result: FullResult): void {
    for (const r of this.reasons) console.log(`skipped: ${r}`);
    console.log(`e2e: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
