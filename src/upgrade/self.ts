import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createProgress } from "../backup/progress.ts";
import { formatBytes } from "../doctor/format-units.ts";
import { ExitCode, MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { directoryWritable, download, readHeader, removeQuietly, stagedVersion, stagingPath, sudoInstallCommand, swapIn } from "./install.ts";
import { manifestFileName, type ReleaseAsset, type ReleaseManifest, signatureFileName, sumsFileName } from "./release-files.ts";
import type { ReleaseSource } from "./source.ts";
import { assertNotOlder, assetFor, checkArch, checkDownload, refusal, trustedManifest, trustedSums, type VersionStep, versionStep } from "./trust.ts";

/**
 * `mxhome upgrade --self`: read a release, trust it only through the
 * signature of the key built into this binary, and swap the new binary in.
 */
export interface SelfContext {
  source: ReleaseSource;
  /** The binary to replace. */
  binary: string;
  currentVersion: string;
  /** base64 DER public key; undefined in a build without one. */
  releaseKey: string | undefined;
  /** `${process.platform}-${process.arch}`: which file of the release is ours. */
  arch: string;
  /** process.arch: which CPU the file must be built for. */
  cpu: string;
}

export interface SelfCheck {
  binary: string;
  source: string;
  current: string;
  latest: string;
  step: VersionStep;
  file: string;
}

export interface SelfUpgradeReport extends SelfCheck {
  /** upgraded/downgraded: the binary was replaced; up-to-date: nothing to do. */
  outcome: "upgraded" | "downgraded" | "up-to-date";
  /** Where the replaced binary was kept. */
  previous?: string;
  /** Units rewritten because they named another path; filled by the caller. */
  unitsRewritten: string[];
  notes: string[];
}

const smallFileLimit = 1024 * 1024;

interface TrustedRelease {
  manifest: ReleaseManifest;
  asset: ReleaseAsset;
}

/** Signature, then latest.json, then this machine's file: the small reads both --check and the upgrade need. */
async function readTrustedRelease(context: SelfContext): Promise<TrustedRelease> {
  const { source } = context;
  const sums = await source.read(sumsFileName, smallFileLimit);
  const signature = await source.read(signatureFileName, smallFileLimit);
  const trusted = trustedSums(sums, signature, context.releaseKey, source.location);
  const manifest = trustedManifest(await source.read(manifestFileName, smallFileLimit), trusted, source.location);
  return { manifest, asset: assetFor(manifest, trusted, context.arch) };
}

function checkOf(context: SelfContext, release: TrustedRelease): SelfCheck {
  return {
    binary: context.binary,
    source: context.source.location,
    current: context.currentVersion,
    latest: release.manifest.version,
    step: versionStep(context.currentVersion, release.manifest.version),
    file: release.asset.name,
  };
}

export async function checkSelf(context: SelfContext): Promise<SelfCheck> {
  return checkOf(context, await readTrustedRelease(context));
}

/** Downloads into `staged` and proves it is the signed file, for this CPU, and that it starts. */
async function stageVerified(context: SelfContext, release: TrustedRelease, staged: string): Promise<void> {
  const { asset, manifest } = release;
  log.start(`Downloading ${asset.name} ${manifest.version} (${formatBytes(asset.size)}) from ${context.source.location}`);
  const received = await download(await context.source.open(asset.name), staged, asset.size, createProgress(asset.name, asset.size));
  checkDownload(received, asset, context.source.location);
  checkArch(readHeader(staged), context.cpu, asset);
  const runs = await stagedVersion(staged);
  if (runs !== manifest.version) {
    throw refusal(
      runs === undefined ? "upgrade.does-not-start" : "upgrade.bad-manifest",
      runs === undefined
        ? `The signed ${asset.name} does not start on this machine (\`${asset.name} --version\` failed).`
        : `The signed ${asset.name} says it is ${runs}, but ${manifestFileName} says ${manifest.version}.`,
    );
  }
}

export async function upgradeSelf(context: SelfContext, options: { allowDowngrade: boolean }): Promise<SelfUpgradeReport> {
  const release = await readTrustedRelease(context);
  const check = checkOf(context, release);
  const report = (outcome: SelfUpgradeReport["outcome"], previous?: string): SelfUpgradeReport => ({
    ...check,
    outcome,
    previous,
    unitsRewritten: [],
    notes: [],
  });
  if (check.step === "same") return report("up-to-date");
  assertNotOlder(check.current, check.latest, options.allowDowngrade);

  const writable = directoryWritable(context.binary);
  // Not writable: the verified file goes to a private temporary directory, for the sudo command.
  const stageDir = writable ? dirname(context.binary) : mkdtempSync(join(tmpdir(), "mxhome-verified-"));
  const staged = stagingPath(stageDir, check.latest);
  try {
    await stageVerified(context, release, staged);
  } catch (error) {
    removeQuietly(staged);
    throw error;
  }
  if (!writable) {
    throw new MxError(
      `${dirname(context.binary)} is not writable by you, so mxhome cannot replace ${context.binary}. The verified ${check.latest} is at ${staged}; nothing else was changed.`,
      { code: "upgrade.not-writable", hint: `Install it with:\n  ${sudoInstallCommand(staged, context.binary)}`, exitCode: ExitCode.failed },
    );
  }
  let previous: string;
  try {
    previous = swapIn(staged, context.binary);
  } catch (error) {
    removeQuietly(staged);
    throw error;
  }
  return report(check.step === "newer" ? "upgraded" : "downgraded", previous);
}
