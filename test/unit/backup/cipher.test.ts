import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  createDecryptingSink,
  createEncryptingSink,
  defaultEncryption,
  encryptionHeaderLength,
  type EncryptionParameters,
  newEncryption,
  parseEncryptionHeader,
  startsWithEncryptionMagic,
  unlockEncryption,
} from "../../../src/backup/cipher.ts";
import type { ByteSink } from "../../../src/backup/tar.ts";
import { MxError } from "../../../src/ui/errors.ts";

// Cheap KDF settings for tests; the format is the same.
const fast: EncryptionParameters = { logN: 10, r: 8, p: 1, chunkSize: 4096 };

function collect(): { sink: ByteSink; bytes: () => Buffer; ended: () => boolean } {
  const parts: Buffer[] = [];
  let ended = false;
  return { sink: { write: (b) => parts.push(Buffer.from(b)), end: () => (ended = true) }, bytes: () => Buffer.concat(parts), ended: () => ended };
}

function encrypt(plain: Uint8Array, passphrase = "correct horse", pieceSize = 1000, parameters = fast): Buffer {
  const out = collect();
  const { header, key } = newEncryption(passphrase, parameters);
  const sink = createEncryptingSink(key, header, out.sink);
  for (let offset = 0; offset < plain.length; offset += pieceSize) sink.write(plain.subarray(offset, offset + pieceSize));
  sink.end();
  return out.bytes();
}

function decrypt(sealed: Uint8Array, passphrase = "correct horse", pieceSize = 777): Buffer {
  const header = parseEncryptionHeader(sealed.subarray(0, encryptionHeaderLength));
  const key = unlockEncryption(header, passphrase);
  const out = collect();
  const sink = createDecryptingSink(key, header, out.sink);
  const body = sealed.subarray(encryptionHeaderLength);
  for (let offset = 0; offset < body.length; offset += pieceSize) sink.write(body.subarray(offset, offset + pieceSize));
  sink.end();
  expect(out.ended()).toBe(true);
  return out.bytes();
}

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as MxError).code;
  }
  return "no error";
};

describe("encrypted archives", () => {
  test.each([0, 1, 4095, 4096, 4097, 8192, 50_000])("round-trip of %d bytes", (size) => {
    const plain = randomBytes(size);
    const sealed = encrypt(plain);
    expect(startsWithEncryptionMagic(sealed)).toBe(true);
    // header + one tag per chunk; an empty archive still has its one (empty, last) chunk
    expect(sealed.length).toBe(encryptionHeaderLength + size + 16 * Math.max(1, Math.ceil(size / 4096)));
    expect(decrypt(sealed).equals(plain)).toBe(true);
  });

  test("each archive gets its own salt, so the same input never gives the same bytes", () => {
    const plain = Buffer.from("same");
    expect(encrypt(plain).equals(encrypt(plain))).toBe(false);
  });

  test("a wrong passphrase is named as such, before any chunk is read", () => {
    const sealed = encrypt(Buffer.from("secret"));
    expect(codeOf(() => decrypt(sealed, "wrong"))).toBe("backup.wrong-passphrase");
  });

  const plain = randomBytes(3 * 4096 + 100);
  const sealed = encrypt(plain);
  const chunk = 4096 + 16;
  test.each([
    ["a flipped byte in the first chunk", (b: Buffer) => (b[encryptionHeaderLength + 5]! ^= 1, b)],
    ["a flipped byte in a tag", (b: Buffer) => (b[encryptionHeaderLength + chunk - 1]! ^= 1, b)],
    ["a flipped byte in the last chunk", (b: Buffer) => (b[b.length - 20]! ^= 1, b)],
    ["truncated inside a chunk", (b: Buffer) => b.subarray(0, b.length - 50)],
    ["truncated on a chunk boundary", (b: Buffer) => b.subarray(0, encryptionHeaderLength + 2 * chunk)],
    ["truncated to the header", (b: Buffer) => b.subarray(0, encryptionHeaderLength)],
    ["the last chunk dropped", (b: Buffer) => b.subarray(0, encryptionHeaderLength + 3 * chunk)],
    ["two chunks swapped", (b: Buffer) => {
      const h = b.subarray(0, encryptionHeaderLength);
      const c = (i: number) => b.subarray(encryptionHeaderLength + i * chunk, encryptionHeaderLength + (i + 1) * chunk);
      return Buffer.concat([h, c(1), c(0), b.subarray(encryptionHeaderLength + 2 * chunk)]);
    }],
    ["bytes appended", (b: Buffer) => Buffer.concat([b, Buffer.alloc(16)])],
    ["the chunk size in the header changed", (b: Buffer) => (b.writeUInt32BE(8192, 12), b)],
  ])("%s is refused as damaged", (_name, alter) => {
    expect(codeOf(() => decrypt(alter(Buffer.from(sealed))))).toBe("backup.corrupt");
  });

  test("an altered salt reads as a wrong passphrase (the key no longer checks)", () => {
    const altered = Buffer.from(sealed);
    altered[20]! ^= 1;
    expect(codeOf(() => decrypt(altered))).toBe("backup.wrong-passphrase");
  });

  test.each([
    ["no magic", (b: Buffer) => (b.write("NOTMXHOM", 0, "latin1"), b)],
    ["scrypt cost beyond 2^20", (b: Buffer) => (b.writeUInt8(30, 8), b)],
    ["chunks of 16 GiB", (b: Buffer) => (b.writeUInt32BE(0xffffffff, 12), b)],
    ["reserved byte set", (b: Buffer) => (b.writeUInt8(1, 11), b)],
  ])("a header with %s is refused before any key is derived", (_name, alter) => {
    const header = alter(Buffer.from(sealed.subarray(0, encryptionHeaderLength)));
    expect(codeOf(() => parseEncryptionHeader(header))).toBe("backup.corrupt");
  });

  test("the default parameters: scrypt N=2^17, r=8, p=1, 1 MiB chunks", () => {
    expect(defaultEncryption).toEqual({ logN: 17, r: 8, p: 1, chunkSize: 1 << 20 });
    const big = randomBytes((1 << 20) + 5);
    expect(decrypt(encrypt(big, "pass", 65_536, defaultEncryption), "pass", 300_000).equals(big)).toBe(true);
  }, 30_000);

  test("passphrases are compared after Unicode normalisation", () => {
    const sealedNfd = encrypt(Buffer.from("x"), "cafe\u0301");
    expect(decrypt(sealedNfd, "caf\u00e9").toString()).toBe("x");
  });
});
