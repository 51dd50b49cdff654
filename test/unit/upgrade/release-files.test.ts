import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config/load.ts";
import { sudoInstallCommand } from "../../../src/upgrade/install.ts";
import { formatManifest, formatSums, parseManifest, parseSums } from "../../../src/upgrade/release-files.ts";
import { releaseLocation } from "../../../src/upgrade/source.ts";
import { namesAnotherBinary } from "../../../src/upgrade/timer-paths.ts";
import { MxError } from "../../../src/ui/errors.ts";

const hash = "0123456789abcdef".repeat(4);

describe("SHA256SUMS", () => {
  test("round-trips, and reads sha256sum's binary mode", () => {
    const entries = [{ name: "mxhome-linux-x64", sha256: hash }];
    expect(parseSums(formatSums(entries))).toEqual(new Map([["mxhome-linux-x64", hash]]));
    expect(parseSums(`${hash} *mxhome-linux-x64\n`)).toEqual(new Map([["mxhome-linux-x64", hash]]));
  });

  test("anything else is not sums: short hashes, paths, prose", () => {
    expect(parseSums(`${hash.slice(1)}  mxhome\n`)).toBeUndefined();
    expect(parseSums(`${hash}  ../mxhome\n`)).toBeUndefined();
    expect(parseSums("<html>\n")).toBeUndefined();
  });
});

describe("latest.json", () => {
  test("what release writes parses back", () => {
    const asset = { name: "mxhome-linux-x64", sha256: hash, size: 10 };
    expect(parseManifest(formatManifest("1.2.3", { "linux-x64": asset }))).toEqual({
      manifest: { schemaVersion: 1, version: "1.2.3", files: { "linux-x64": asset } },
    });
  });

  test("problems are named", () => {
    const problem = (value: unknown) => (parseManifest(JSON.stringify(value)) as { problem: string }).problem;
    expect(problem({ schemaVersion: 2 })).toContain("schemaVersion");
    expect(problem({ schemaVersion: 1, version: "latest", files: {} })).toContain('"latest" is not x.y.z');
    expect(problem({ schemaVersion: 1, version: "1.0.0" })).toContain("files");
    expect(problem({ schemaVersion: 1, version: "1.0.0", files: { "linux-x64": { name: "../x", sha256: hash, size: 1 } } })).toContain("files.linux-x64");
    expect(problem({ schemaVersion: 1, version: "1.0.0", files: { "linux-x64": { name: "x", sha256: hash, size: 0 } } })).toContain("files.linux-x64");
  });
});

describe("the release source", () => {
  test("--from wins over [upgrade] release_url; neither is exit 2 naming both", () => {
    expect(releaseLocation("/from", "https://configured", "/c/mxhome.toml")).toBe("/from");
    expect(releaseLocation(undefined, "https://configured", "/c/mxhome.toml")).toBe("https://configured");
    let error: MxError | undefined;
    try {
      releaseLocation(undefined, "", "/c/mxhome.toml");
    } catch (caught) {
      error = caught as MxError;
    }
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toContain("Set [upgrade] release_url in /c/mxhome.toml");
    expect(error?.hint).toContain("--from");
  });

  test("[upgrade] release_url: empty by default; a URL or an absolute directory", () => {
    const base = `[server]\nserver_name = "pc.tail1234.ts.net"\n`;
    expect(parseConfig(base).config?.upgrade.release_url).toBe("");
    for (const ok of ["https://github.com/o/mxhome/releases/latest/download", "http://127.0.0.1:8000/r", "/srv/mxhome-releases", "file:///srv/r"]) {
      expect(parseConfig(`${base}[upgrade]\nrelease_url = "${ok}"\n`).problems).toEqual([]);
    }
    const bad = parseConfig(`${base}[upgrade]\nrelease_url = "releases/latest"\n`).problems;
    expect(bad[0]?.line).toBe(4);
    expect(bad[0]?.message).toContain("an http(s):// URL or an absolute directory");
  });
});

describe("the swap's helpers", () => {
  test("the sudo command keeps the previous binary, quoting paths with spaces", () => {
    expect(sudoInstallCommand("/tmp/d/.mxhome-1.1.0.ab.download", "/usr/local/bin/mxhome")).toBe(
      "sudo cp -p /usr/local/bin/mxhome /usr/local/bin/mxhome.previous && sudo install -m 0755 /tmp/d/.mxhome-1.1.0.ab.download /usr/local/bin/mxhome",
    );
    expect(sudoInstallCommand("/tmp/new", "/opt/my apps/mxhome")).toContain("'/opt/my apps/mxhome.previous'");
  });

  test("timers need rewriting only when a service runs another binary", () => {
    const unit = (path: string) => ({ content: `[Service]\nType=oneshot\nExecStart=${path} purge --yes\n` });
    expect(namesAnotherBinary([unit("/home/u/.local/bin/mxhome")], "/home/u/.local/bin/mxhome")).toBe(false);
    expect(namesAnotherBinary([unit("/usr/local/bin/mxhome")], "/home/u/.local/bin/mxhome")).toBe(true);
    expect(namesAnotherBinary([unit("/home/u/.local/bin/mxhome2")], "/home/u/.local/bin/mxhome")).toBe(true);
    expect(namesAnotherBinary([unit('"/opt/my apps/mxhome"')], "/opt/my apps/mxhome")).toBe(false);
    expect(namesAnotherBinary([], "/x")).toBe(false);
  });
});
