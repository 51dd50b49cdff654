import { doctorChecks } from "./checks/index.ts";
import { createDoctorContext, type DoctorOptions } from "./context.ts";
import { type RunOptions, runChecks } from "./run.ts";
import type { Check, DoctorReport } from "./types.ts";

/** `mxhome doctor` as a function: gather, judge, report. Tests pass io overrides and their own registry. */
export async function runDoctor(options: DoctorOptions & RunOptions & { checks?: readonly Check[] }): Promise<DoctorReport> {
  return runChecks(options.checks ?? doctorChecks, createDoctorContext(options), options);
}
