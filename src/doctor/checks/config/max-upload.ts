import { parseSynapseSize } from "../../../config/validate-names.ts";
import { type Check, ok, type Verdict, warn } from "../../types.ts";
import { gatherSynapseConfig, type SynapseConfigObservation } from "./homeserver-safety.ts";

/**
 * The guide advises uploads of 10M or less: every upload sits on this PC's
 * disk until media retention removes it, and a big one fills a home
 * connection for minutes. `[server] max_upload` sets it; the user's
 * overrides file can raise it behind mxhome.toml's back.
 */
export const advisedMaxUpload = "10M";

export interface UploadLimit {
  /** As written, e.g. "50M". */
  value: string;
  source: "mxhome.toml" | "overrides";
}

/** Pure: the limit Synapse runs with: the overrides' max_upload_size if set, else mxhome.toml's. */
export function effectiveUploadLimit(configured: string, synapse: Pick<SynapseConfigObservation, "overrides">): UploadLimit {
  const override = synapse.overrides?.max_upload_size;
  if (override !== undefined && override !== null) return { value: String(override), source: "overrides" };
  return { value: configured, source: "mxhome.toml" };
}

function sizeInBytes(value: string): number | undefined {
  try {
    return parseSynapseSize(value);
  } catch {
    return undefined;
  }
}

export function judgeMaxUpload(limit: UploadLimit, overridesFile: string): Verdict {
  const bytes = sizeInBytes(limit.value);
  const advised = parseSynapseSize(advisedMaxUpload);
  if (bytes === undefined) return ok(`uploads are limited to ${limit.value} (${limit.source}); homeserver-safety checks that Synapse reads it`);
  if (bytes <= advised) return ok(`uploads are limited to ${limit.value}, within the advised ${advisedMaxUpload}`);
  const fix =
    limit.source === "overrides"
      ? `Lower or remove max_upload_size in ${overridesFile}, then \`mxhome up\`.`
      : `Set max_upload = "${advisedMaxUpload}" under [server] in mxhome.toml, then \`mxhome up\`.`;
  return warn(`uploads may be up to ${limit.value} (set in ${limit.source}), above the advised ${advisedMaxUpload}: each one stays on this PC's disk until media retention removes it`, fix);
}

export const maxUploadCheck: Check = {
  id: "max-upload",
  category: "config",
  title: `Upload limit is at most ${advisedMaxUpload}`,
  run: async ({ config, facts }) => {
    const synapse = await facts.get(gatherSynapseConfig);
    return judgeMaxUpload(effectiveUploadLimit(config.server.max_upload, synapse), synapse.overridesFile);
  },
};
