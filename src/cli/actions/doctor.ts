/** `bulwark doctor`: prints each check with its finding and fix; exit 3 when any check failed. */
import { runDoctor, type CheckStatus } from "../../app/doctor.js";
import { printJson, printLine } from "../output.js";

const LABEL: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "--  " };

export async function doctor(opts: { json?: boolean }): Promise<void> {
  const report = await runDoctor();
  if (opts.json) printJson(report);
  else {
    const width = Math.max(...report.checks.map((c) => c.name.length));
    for (const c of report.checks) {
      printLine(`${LABEL[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`);
      if (c.fix) printLine(`      ${" ".repeat(width)}  fix: ${c.fix}`);
    }
    const failed = report.checks.filter((c) => c.status === "fail").length;
    const warned = report.checks.filter((c) => c.status === "warn").length;
    printLine(
      failed || warned
        ? `${failed} failed, ${warned} warning(s)`
        : "everything Bulwark depends on is in order",
    );
  }
  // Exit 3 (like `models verify`): the checks ran and found a problem.
  if (!report.ok) process.exitCode = 3;
}
