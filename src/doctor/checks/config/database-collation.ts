import { type DatabaseObservation, gatherDatabase } from "../../facts/database.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

/** Synapse refuses to start on a database whose collation or ctype is not C ("IncorrectDatabaseSetup"). */
export function judgeCollation(database: DatabaseObservation): Verdict {
  const { collate, ctype, encoding } = database;
  if (collate === "C" && ctype === "C" && encoding === "UTF8") return ok("collation C, ctype C, encoding UTF8");
  return fail(
    `Synapse's database has collation ${collate}, ctype ${ctype}, encoding ${encoding}; Synapse needs C, C and UTF8 and refuses to start otherwise. This cannot be changed in place.`,
    "Recreate it: `pg_dump` the database, `createdb --template=template0 --encoding=UTF8 --lc-collate=C --lc-ctype=C synapse`, restore the dump. A new PostgreSQL data dir needs `POSTGRES_INITDB_ARGS=--encoding=UTF-8 --lc-collate=C --lc-ctype=C` (mxhome's units set it).",
  );
}

export const databaseCollationCheck = defineCheck({
  id: "database-collation",
  category: "config",
  title: "Database collation C",
  after: ["postgres"],
  gather: gatherDatabase,
  judge: judgeCollation,
});
