import packageJson from "../package.json" with { type: "json" };

/** A build option (scripts/build.ts --version), compiled in; absent when run from source. */
declare const MXHOME_BUILD_VERSION: string | undefined;

export const mxhomeVersion: string = typeof MXHOME_BUILD_VERSION === "string" ? MXHOME_BUILD_VERSION : packageJson.version;
