import { gatherSynapse, type SynapseObservation, synapseVersion } from "../../facts/local-http.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export function judgeSynapse(observation: SynapseObservation): Verdict {
  const { health } = observation;
  const fix = "mxhome up   # starts it; `mxhome logs synapse` shows why it stopped";
  if (health.error) return fail(`Synapse does not answer on ${observation.url} (${health.error}).`, fix);
  if (health.status !== 200) return fail(`Synapse's /health answers ${health.status} ${(health.body ?? "").trim().slice(0, 80)}.`, fix);
  const version = synapseVersion(observation.version);
  return ok(`Synapse ${version ?? "(version unknown)"} answers /health on ${observation.url}`);
}

export const synapseCheck = defineCheck({
  id: "synapse",
  category: "services",
  title: "Synapse healthy, and its version",
  gather: gatherSynapse,
  judge: judgeSynapse,
});
