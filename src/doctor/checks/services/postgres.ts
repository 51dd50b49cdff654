import { type DatabaseObservation, gatherDatabase } from "../../facts/database.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export function judgePostgres(database: DatabaseObservation): Verdict {
  if (database.reachable) return ok(`PostgreSQL ${database.serverVersion ?? ""} accepts Synapse's connections`.replace("  ", " "));
  return fail(`PostgreSQL does not accept connections: ${database.error ?? "no answer"}.`, "mxhome up   # starts it; `mxhome logs postgres` shows why it stopped");
}

export const postgresCheck = defineCheck({
  id: "postgres",
  category: "services",
  title: "PostgreSQL ready",
  gather: gatherDatabase,
  judge: judgePostgres,
});
