import { decodeHeaderBlock, paddingFor, parsePaxRecords, type TarHandler, TarFormatError, tarBlockSize } from "./tar.ts";

/**
 * A push parser for the tar streams `createTarWriter` makes (and GNU/BSD
 * tar's pax, gnu and ustar output): bytes go in as they are decrypted, entries
 * come out as begin/data/finishEntry calls. Only regular files are passed
 * on; directories are skipped (extraction creates them); links and devices
 * are refused, so an archive can never write outside its target.
 */
export function createTarParser(handler: TarHandler) {
  let pending: Uint8Array = new Uint8Array(0);
  let state: "header" | "data" | "padding" | "pax" | "skip" | "ended" = "header";
  let remaining = 0;
  let padding = 0;
  let pax: Record<string, string> = {};
  let paxBuffer: Uint8Array[] = [];
  let longName = false;
  let zeroBlocks = 0;

  function onHeader(block: Uint8Array): void {
    const header = decodeHeaderBlock(block);
    if (header === "zero") {
      if (++zeroBlocks === 2) state = "ended";
      return;
    }
    if (zeroBlocks > 0) throw new TarFormatError("data after an end-of-archive block");
    const size = pax.size !== undefined ? Number(pax.size) : header.size;
    padding = paddingFor(size);
    remaining = size;
    if (header.type === "x" || header.type === "L") {
      // pax extended header, or GNU's long name: both name the entry that follows.
      state = "pax";
      paxBuffer = [];
      longName = header.type === "L";
    } else if (header.type === "g") {
      state = "skip";
    } else if (header.type === "0" || header.type === "7") {
      handler.begin({ path: pax.path ?? header.name, size, mode: header.mode, mtime: header.mtime });
      pax = {};
      state = "data";
    } else if (header.type === "5") {
      pax = {};
      state = "skip";
    } else {
      throw new TarFormatError(`entry ${JSON.stringify(pax.path ?? header.name)} has type ${JSON.stringify(header.type)}; only regular files are restored`);
    }
    if (remaining === 0) endBody();
  }

  function endBody(): void {
    if (state === "data") handler.finishEntry();
    if (state === "pax") {
      const text = new TextDecoder().decode(Buffer.concat(paxBuffer));
      pax = { ...pax, ...(longName ? { path: text.replace(/\0+$/, "") } : parsePaxRecords(text)) };
    }
    state = padding > 0 ? "padding" : "header";
  }

  return {
    push(bytes: Uint8Array): void {
      let input = bytes;
      while (input.length > 0) {
        if (state === "ended") {
          // GNU tar pads archives to a 10 KiB record; anything but zeros after the end marker is suspicious.
          if (input.some((byte) => byte !== 0)) throw new TarFormatError("data after the end of the archive");
          return;
        }
        if (state === "header") {
          const need = tarBlockSize - pending.length;
          const take = input.subarray(0, need);
          pending = pending.length ? Buffer.concat([pending, take]) : take;
          input = input.subarray(take.length);
          if (pending.length < tarBlockSize) return;
          const block = pending;
          pending = new Uint8Array(0);
          onHeader(block);
          continue;
        }
        if (state === "padding") {
          const skip = Math.min(padding, input.length);
          padding -= skip;
          input = input.subarray(skip);
          if (padding === 0) state = "header";
          continue;
        }
        const take = input.subarray(0, Math.min(remaining, input.length));
        input = input.subarray(take.length);
        remaining -= take.length;
        if (state === "data") handler.data(take);
        else if (state === "pax") paxBuffer.push(take.slice());
        if (remaining === 0) endBody();
      }
    },
    /** The stream ended: it must have ended exactly at the archive's end marker. */
    finish(): void {
      if (state !== "ended") throw new TarFormatError(state === "header" && zeroBlocks === 0 ? "the archive is truncated (no end marker)" : "the archive is truncated");
    },
  };
}
