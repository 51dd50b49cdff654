/**
 * The encrypted archive format (`mxhome backup --encrypt`), version 1.
 *
 *   offset  size  field
 *   0       8     magic "MXHENC01"
 *   8       1     scrypt cost log2(N) (17: N = 131072, 128 MiB of memory)
 *   9       1     scrypt r (8)
 *   10      1     scrypt p (1)
 *   11      1     reserved, 0
 *   12      4     plaintext chunk size, big-endian (1 MiB)
 *   16      32    scrypt salt, random per archive
 *   48      16    key check: HMAC-SHA256(key, "mxhome backup key check v1"), first 16 bytes
 *   64      …     chunks
 *
 * key = scrypt(passphrase as UTF-8, salt, N, r, p, 32 bytes). The plaintext
 * (a tar archive) is cut into chunks of exactly `chunk size` bytes, the last
 * one 1 to `chunk size` bytes (0 only for empty input). Chunk i is stored as AES-256-GCM ciphertext
 * followed by its 16-byte tag, with nonce = 4 zero bytes ‖ i as a 64-bit
 * big-endian counter, and additional data = the 64 header bytes ‖ one byte
 * that is 1 for the last chunk and 0 for every other. So a wrong passphrase
 * is caught by the key check, and an altered byte, a reordered, dropped or
 * appended chunk, an altered header or a truncation at any point (even on a
 * chunk boundary: the new last chunk was sealed as "not last") fails a tag.
 * A fresh salt gives every archive its own key, so the counter nonces never
 * repeat under one key. Chunks stream, so archives of any size need 1 MiB of
 * memory to write or read.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { MxError } from "../ui/errors.ts";
import type { ByteSink } from "./tar.ts";

export const encryptionMagic = "MXHENC01";
export const encryptionHeaderLength = 64;
const tagLength = 16;
const keyCheckLabel = "mxhome backup key check v1";

export interface EncryptionParameters {
  logN: number;
  r: number;
  p: number;
  chunkSize: number;
}

export const defaultEncryption: EncryptionParameters = { logN: 17, r: 8, p: 1, chunkSize: 1 << 20 };

export interface EncryptionHeader extends EncryptionParameters {
  salt: Uint8Array;
  keyCheck: Uint8Array;
  /** The 64 header bytes, authenticated with every chunk. */
  bytes: Uint8Array;
}

export const corruptArchive = (detail: string) =>
  new MxError(`The archive is damaged or was altered: ${detail}. Nothing was restored.`, {
    code: "backup.corrupt",
    hint: "Use another copy of the backup; `mxhome backup` writes a new one.",
  });

export function startsWithEncryptionMagic(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 8)).toString("latin1") === encryptionMagic;
}

function deriveKey(passphrase: string, parameters: EncryptionParameters, salt: Uint8Array): Buffer {
  const N = 2 ** parameters.logN;
  return scryptSync(passphrase.normalize("NFC"), salt, 32, { N, r: parameters.r, p: parameters.p, maxmem: 256 * N * parameters.r + (1 << 24) });
}

const keyCheckOf = (key: Uint8Array) => createHmac("sha256", key).update(keyCheckLabel).digest().subarray(0, 16);

function encodeHeader(parameters: EncryptionParameters, salt: Uint8Array, keyCheck: Uint8Array): Uint8Array {
  const bytes = Buffer.alloc(encryptionHeaderLength);
  bytes.write(encryptionMagic, 0, "latin1");
  bytes.writeUInt8(parameters.logN, 8);
  bytes.writeUInt8(parameters.r, 9);
  bytes.writeUInt8(parameters.p, 10);
  bytes.writeUInt32BE(parameters.chunkSize, 12);
  bytes.set(salt, 16);
  bytes.set(keyCheck, 48);
  return bytes;
}

/** A new header (fresh salt) and the key it describes. */
export function newEncryption(passphrase: string, parameters: EncryptionParameters = defaultEncryption): { header: EncryptionHeader; key: Buffer } {
  const salt = randomBytes(32);
  const key = deriveKey(passphrase, parameters, salt);
  const keyCheck = keyCheckOf(key);
  return { header: { ...parameters, salt, keyCheck, bytes: encodeHeader(parameters, salt, keyCheck) }, key };
}

/** Pure: reads and bounds-checks a header, so a forged one cannot make mxhome allocate gigabytes. */
export function parseEncryptionHeader(bytes: Uint8Array): EncryptionHeader {
  if (bytes.length < encryptionHeaderLength || !startsWithEncryptionMagic(bytes)) throw corruptArchive("no valid encryption header");
  const view = Buffer.from(bytes.subarray(0, encryptionHeaderLength));
  const header = { logN: view.readUInt8(8), r: view.readUInt8(9), p: view.readUInt8(10), chunkSize: view.readUInt32BE(12) };
  const sane = header.logN >= 10 && header.logN <= 20 && header.r >= 1 && header.r <= 32 && header.p >= 1 && header.p <= 16;
  if (!sane || view.readUInt8(11) !== 0 || header.chunkSize < 4096 || header.chunkSize > 1 << 24) {
    throw corruptArchive("the encryption header has impossible parameters");
  }
  return { ...header, salt: view.subarray(16, 48), keyCheck: view.subarray(48, 64), bytes: view };
}

/** The key, or the exact error for a wrong passphrase (before any chunk is read). */
export function unlockEncryption(header: EncryptionHeader, passphrase: string): Buffer {
  const key = deriveKey(passphrase, header, header.salt);
  if (!timingSafeEqual(keyCheckOf(key), header.keyCheck)) {
    throw new MxError("Wrong passphrase for this backup. Nothing was restored.", {
      code: "backup.wrong-passphrase",
      hint: "Give the passphrase used for `mxhome backup --encrypt` (--passphrase-file FILE, or type it when asked).",
    });
  }
  return key;
}

function nonceFor(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

const additionalData = (header: EncryptionHeader, last: boolean) => Buffer.concat([header.bytes, Buffer.from([last ? 1 : 0])]);

/**
 * Collects bytes into a fixed buffer; `flush` gets the buffer each time it is
 * full and more bytes follow. A full buffer waits, since it might be the last.
 */
function chunker(size: number, flush: (chunk: Buffer) => void) {
  const buffer = Buffer.alloc(size);
  let filled = 0;
  return {
    write(bytes: Uint8Array): void {
      for (let offset = 0; offset < bytes.length; ) {
        if (filled === size) {
          flush(buffer);
          filled = 0;
        }
        const take = Math.min(size - filled, bytes.length - offset);
        buffer.set(bytes.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
    },
    rest: () => buffer.subarray(0, filled),
  };
}

/** Plaintext in, header and sealed chunks out to `sink`. */
export function createEncryptingSink(key: Uint8Array, header: EncryptionHeader, sink: ByteSink): ByteSink {
  let index = 0;
  const seal = (plain: Buffer, last: boolean) => {
    const cipher = createCipheriv("aes-256-gcm", key, nonceFor(index++));
    cipher.setAAD(additionalData(header, last));
    sink.write(Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
  };
  const chunks = chunker(header.chunkSize, (plain) => seal(plain, false));
  sink.write(header.bytes);
  return {
    write: chunks.write,
    end() {
      seal(chunks.rest(), true);
      sink.end();
    },
  };
}

/** Sealed chunks in (after the header), verified plaintext out to `sink`; nothing unverified is passed on. */
export function createDecryptingSink(key: Uint8Array, header: EncryptionHeader, sink: ByteSink): ByteSink {
  let index = 0;
  const open = (sealed: Buffer, last: boolean) => {
    if (sealed.length < tagLength) throw corruptArchive("it ends in the middle of a chunk (truncated)");
    const decipher = createDecipheriv("aes-256-gcm", key, nonceFor(index));
    decipher.setAAD(additionalData(header, last));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagLength));
    const plain = decipher.update(sealed.subarray(0, sealed.length - tagLength));
    try {
      decipher.final();
    } catch {
      throw corruptArchive(last ? `chunk ${index} does not verify (altered, or the archive is truncated)` : `chunk ${index} does not verify`);
    }
    index++;
    sink.write(plain);
  };
  const chunks = chunker(header.chunkSize + tagLength, (sealed) => open(sealed, false));
  return {
    write: chunks.write,
    end() {
      open(chunks.rest(), true);
      sink.end();
    },
  };
}
