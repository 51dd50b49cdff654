import type { SynapseSql } from "../runtime/sql.ts";
import type { SynapseAdmin } from "../synapse/admin.ts";
import type { Cutoff } from "./cutoff.ts";
import type { DeadRoom } from "./dead-rooms.ts";

/**
 * Everything a purge run touches, passed in: the admin API, SQL through the
 * runtime, the media store, the clock, the question asked on a terminal and
 * the record of the first-run confirmation. Tests and the benchmark pass
 * real ones, pointed at real servers.
 */
export interface PurgeIo {
  admin: SynapseAdmin;
  /** The same API with a long timeout, for media deletions that remove thousands of files in one call. */
  bulkAdmin: SynapseAdmin;
  sql: SynapseSql;
  mediaStoreDir: string;
  now(): Date;
  /** Progress, on stderr. */
  progress(message: string): void;
  /** Asks whether to delete these rooms; only present when a person can answer. */
  confirmDeadRooms?: (rooms: DeadRoom[]) => Promise<boolean>;
  /** Whether dead-room deletion was confirmed on an earlier run; `remember` records that it now is. */
  deadRoomsConfirmation: { confirmed(): boolean; remember(via: "--yes" | "prompt"): void };
}

export interface PurgeOptions {
  dryRun: boolean;
  yes: boolean;
  vacuumFull: boolean;
  cutoff: Cutoff;
  serverName: string;
  purgeDeadRooms: boolean;
  /** Room ids or aliases mxhome.toml names (kick scope, kick rooms): never deleted as dead. */
  protectedRooms: string[];
  /** Room tasks (history purges, room deletions) in flight at once; Synapse runs 5 background tasks at a time. */
  concurrency: number;
}

export interface PurgeContext {
  io: PurgeIo;
  options: PurgeOptions;
}
