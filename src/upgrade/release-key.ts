/**
 * The Ed25519 public key releases are signed with, compiled in by
 * `scripts/build.ts --release-key` (and `npm run release`, from its signing
 * key). Deliberately no environment or config override: whoever can set one
 * could make mxhome install their binary.
 */
declare const MXHOME_RELEASE_PUBLIC_KEY: string | undefined;

/** base64 DER (SubjectPublicKeyInfo); undefined in a build without a key, e.g. from source. */
export const builtInReleaseKey: string | undefined =
  typeof MXHOME_RELEASE_PUBLIC_KEY === "string" && MXHOME_RELEASE_PUBLIC_KEY !== "" ? MXHOME_RELEASE_PUBLIC_KEY : undefined;
