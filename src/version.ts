import packageJson from "../package.json" with { type: "json" };

export const mxhomeVersion: string = packageJson.version;
