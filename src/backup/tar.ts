/**
 * A minimal POSIX tar (ustar + pax) writer and push parser: regular files
 * only, streamed, no dependencies. mxhome writes its own instead of running
 * GNU tar because the archive is hashed and encrypted as it is written and
 * verified before anything is extracted, and because a plain archive must
 * stay readable by any `tar -xf` when mxhome is not at hand. Paths longer
 * than ustar allows and sizes of 8 GiB or more get a pax extended header
 * (typeflag `x`), as GNU and BSD tar read it.
 */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  end(): void;
}

export interface TarEntry {
  path: string;
  size: number;
  /** Permission bits, e.g. 0o600. */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
}

export const tarBlockSize = 512;
const maxOctalSize = 8 ** 11 - 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const paddingFor = (size: number) => (tarBlockSize - (size % tarBlockSize)) % tarBlockSize;

function putString(block: Uint8Array, offset: number, length: number, value: string): void {
  block.set(encoder.encode(value).subarray(0, length), offset);
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  putString(block, offset, length - 1, Math.trunc(value).toString(8).padStart(length - 1, "0"));
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash, or undefined. */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (encoder.encode(path).length <= 100) return { prefix: "", name: path };
  for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1)) {
    const prefix = path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100 && name !== "") return { prefix, name };
  }
  return undefined;
}

function headerBlock(fields: { name: string; prefix: string; mode: number; size: number; mtime: number; type: string }): Uint8Array {
  const block = new Uint8Array(tarBlockSize);
  putString(block, 0, 100, fields.name);
  putOctal(block, 100, 8, fields.mode & 0o7777);
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, fields.size);
  putOctal(block, 136, 12, fields.mtime);
  block.fill(0x20, 148, 156);
  putString(block, 156, 1, fields.type);
  putString(block, 257, 8, "ustar\u000000");
  putString(block, 345, 155, fields.prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  putString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\u0000 `);
  return block;
}

/** One pax record: "<length> <key>=<value>\n", where length counts the whole record. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return `${length}${body}`;
}

/** The header block(s) for one regular file: a pax header first when ustar cannot hold it. */
export function encodeFileHeader(entry: TarEntry): Uint8Array[] {
  const split = splitUstarPath(entry.path);
  const pax = (split ? "" : paxRecord("path", entry.path)) + (entry.size > maxOctalSize ? paxRecord("size", String(entry.size)) : "");
  const fallbackName = entry.path.slice(-100).replace(/^[^/]*\//, "");
  const ustar = headerBlock({
    name: split?.name ?? fallbackName,
    prefix: split?.prefix ?? "",
    mode: entry.mode,
    size: entry.size > maxOctalSize ? 0 : entry.size,
    mtime: entry.mtime,
    type: "0",
  });
  if (!pax) return [ustar];
  const data = encoder.encode(pax);
  const paxHeader = headerBlock({ name: "PaxHeader/entry", prefix: "", mode: 0o644, size: data.length, mtime: entry.mtime, type: "x" });
  return [paxHeader, data, new Uint8Array(paddingFor(data.length)), ustar];
}

/** Writes entries one after another; each must receive exactly the bytes its header announced. */
export function createTarWriter(sink: ByteSink) {
  let current: { path: string; remaining: number; size: number } | undefined;
  return {
    begin(entry: TarEntry): void {
      if (current) throw new Error(`tar: ${current.path} was not finished`);
      for (const part of encodeFileHeader(entry)) sink.write(part);
      current = { path: entry.path, remaining: entry.size, size: entry.size };
    },
    write(bytes: Uint8Array): void {
      if (!current || bytes.length > current.remaining) throw new Error(`tar: more data than announced for ${current?.path ?? "no entry"}`);
      current.remaining -= bytes.length;
      sink.write(bytes);
    },
    finishEntry(): void {
      if (!current || current.remaining !== 0) throw new Error(`tar: ${current?.path ?? "no entry"} is ${current?.remaining ?? 0} bytes short`);
      sink.write(new Uint8Array(paddingFor(current.size)));
      current = undefined;
    },
    /** Two zero blocks mark the end of the archive. */
    end(): void {
      if (current) throw new Error(`tar: ${current.path} was not finished`);
      sink.write(new Uint8Array(tarBlockSize * 2));
      sink.end();
    },
  };
}

// ---- reading ----------------------------------------------------------------

export interface TarHandler {
  begin(entry: TarEntry): void;
  data(bytes: Uint8Array): void;
  finishEntry(): void;
}

export class TarFormatError extends Error {}

const readString = (block: Uint8Array, offset: number, length: number) => {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
};

function readNumber(block: Uint8Array, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if ((field[0]! & 0x80) !== 0) return field.subarray(1).reduce((value, byte) => value * 256 + byte, field[0]! & 0x7f);
  const text = readString(block, offset, length).trim();
  if (text !== "" && !/^[0-7]+$/.test(text)) throw new TarFormatError(`bad number field ${JSON.stringify(text)}`);
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** Pure: reads one 512-byte header block; "zero" for an all-zero block. */
export function decodeHeaderBlock(block: Uint8Array): "zero" | { name: string; size: number; mode: number; mtime: number; type: string } {
  if (block.every((byte) => byte === 0)) return "zero";
  const stored = readNumber(block, 148, 8);
  const sum = block.reduce((total, byte, index) => total + (index >= 148 && index < 156 ? 0x20 : byte), 0);
  if (stored !== sum) throw new TarFormatError("header checksum mismatch");
  const prefix = readString(block, 257, 6) === "ustar" ? readString(block, 345, 155) : "";
  const name = readString(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: readNumber(block, 124, 12),
    mode: readNumber(block, 100, 8),
    mtime: readNumber(block, 136, 12),
    type: readString(block, 156, 1) || "0",
  };
}

/** Pure: pax records → key/value pairs. */
export function parsePaxRecords(text: string): Record<string, string> {
  const records: Record<string, string> = {};
  let rest = encoder.encode(text);
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = Number(decoder.decode(rest.subarray(0, space)));
    if (space <= 0 || !Number.isInteger(length) || length > rest.length) throw new TarFormatError("bad pax record");
    const record = decoder.decode(rest.subarray(space + 1, length - 1));
    const equals = record.indexOf("=");
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    rest = rest.subarray(length);
  }
  return records;
}
