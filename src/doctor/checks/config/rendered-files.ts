import { planManagedWrites, type WriteAction } from "../../../io/managed-files.ts";
import { renderDeployment, renderInputsFor } from "../../../render/index.ts";
import { unifiedDiff } from "../../diff.ts";
import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, ok, type Verdict, warn } from "../../types.ts";

export interface RenderedFileState {
  path: string;
  action: WriteAction;
  /** What mxhome would write now. */
  expected: string;
  /** What is on disk (undefined when missing). */
  actual: string | undefined;
}

/** What `up` would do to each managed file: the same plan `up` and `init` make. */
export function gatherRenderedFiles({ config, paths, mxhomeBinary, io }: FactScope): RenderedFileState[] {
  const files = renderDeployment(renderInputsFor(config, paths, mxhomeBinary));
  return planManagedWrites(files, paths.renderedManifestFile).map(({ file, action }) => ({
    path: file.path,
    action,
    expected: file.content,
    actual: io.readText(file.path),
  }));
}

export function judgeRenderedFiles(files: RenderedFileState[], overridesFile: string): Verdict {
  const by = (action: WriteAction) => files.filter((file) => file.action === action);
  const diffOf = (file: RenderedFileState) => unifiedDiff(file.expected, file.actual ?? "", { before: `${file.path} (rendered by mxhome)`, after: `${file.path} (on disk)` });
  const [edited, missing, stale] = [by("edited"), by("create"), by("update")];
  if (edited.length) {
    return fail(
      `edited by hand: ${edited.map((file) => file.path).join(", ")}. mxhome will not overwrite ${edited.length === 1 ? "it" : "them"}, and \`mxhome up\` refuses to run.`,
      `Move your change into ${overridesFile} (Synapse settings) or mxhome.toml, then \`mxhome up --force\` (it keeps a backup of each edited file).`,
      edited.flatMap(diffOf),
    );
  }
  if (missing.length) {
    return fail(`missing: ${missing.map((file) => file.path).join(", ")}.`, "mxhome up   # renders and writes them");
  }
  if (stale.length) {
    return warn(
      `\`mxhome up\` would rewrite ${stale.length} file${stale.length === 1 ? "" : "s"} (${stale.map((file) => file.path).join(", ")}): mxhome.toml (or the mxhome the timers run) changed since the last \`mxhome up\`.`,
      "mxhome up",
      stale.flatMap(diffOf),
    );
  }
  return ok(`${files.length} managed files match mxhome.toml`);
}

export const renderedFilesCheck = defineCheck({
  id: "rendered-files",
  category: "config",
  title: "Rendered files in sync with mxhome.toml",
  gather: gatherRenderedFiles,
  judge: (files, { paths }) => judgeRenderedFiles(files, paths.synapseOverridesFile),
});
