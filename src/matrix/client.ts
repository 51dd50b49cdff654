import type { MatrixClient } from "matrix-js-sdk";
import type { Session } from "../synapse/client.ts";
import { synapseUnreachable } from "../synapse/http.ts";
import { MxError } from "../ui/errors.ts";
import { log } from "../ui/logger.ts";
import { registerSecret } from "../ui/redact.ts";
import type { CreateRoomRequest, HierarchyRoom, JsonObject, PowerLevelsContent, RoomVersions, StateEvent } from "./types.ts";

/**
 * The client-server API as one account, over matrix-js-sdk's HTTP layer
 * (no sync loop, no store, no crypto). The SDK is loaded on first use, so
 * commands that never talk Matrix don't pay for it; its logger, which logs
 * every request, is silenced (--verbose shows its warnings). Rate limits
 * (429) are waited out as the server asks; every failure becomes an MxError
 * whose code carries the errcode (`synapse.M_FORBIDDEN`), as src/synapse/http.ts does.
 */
export interface MatrixApi {
  readonly userId: string;
  /** Creates a room; answers its id. */
  createRoom(request: CreateRoomRequest): Promise<string>;
  /** Sends a state event; answers its event id. */
  putState(roomId: string, type: string, content: JsonObject, stateKey?: string): Promise<string>;
  invite(roomId: string, userId: string, reason?: string): Promise<void>;
  kick(roomId: string, userId: string, reason?: string): Promise<void>;
  /** Joins by id (with `via` servers) or alias; answers the room id. */
  join(roomIdOrAlias: string, via?: string[]): Promise<string>;
  /** Points a local alias (`#name:server`) at a room. */
  setAlias(alias: string, roomId: string): Promise<void>;
  /** The room id an alias names, or undefined when it names none. */
  resolveAlias(alias: string): Promise<string | undefined>;
  /** The room's whole current state. */
  state(roomId: string): Promise<StateEvent[]>;
  /** One state event's content, or undefined when there is none. */
  stateEvent<T = JsonObject>(roomId: string, type: string, stateKey?: string): Promise<T | undefined>;
  powerLevels(roomId: string): Promise<PowerLevelsContent | undefined>;
  /** User ids of joined members. */
  joinedMembers(roomId: string): Promise<string[]>;
  /** Every `m.room.member` event (join, invite, leave, ban, knock). */
  members(roomId: string): Promise<StateEvent[]>;
  /** Every room below a Space, the Space first, all pages. */
  hierarchy(roomId: string, options?: { maxDepth?: number }): Promise<HierarchyRoom[]>;
  roomVersions(): Promise<RoomVersions>;
  /** Anything else the SDK offers, with the same rate-limit handling and errors. */
  call<T>(what: string, work: (client: MatrixClient) => Promise<T>): Promise<T>;
}

export interface MatrixApiOptions {
  maxRateLimitRetries?: number;
  maxRateLimitWaitMs?: number;
  /** Replaces the wait, for tests. */
  sleep?: (ms: number) => Promise<void>;
}

type SdkError = Error & { errcode?: string; httpStatus?: number; data?: { error?: string }; getRetryAfterMs?: () => number | null };

/** Pure: how long to wait before retrying, or undefined when the error is not a rate limit. */
export function retryDelayMs(error: unknown): number | undefined {
  const sdkError = error as SdkError;
  if (sdkError?.httpStatus !== 429 && sdkError?.errcode !== "M_LIMIT_EXCEEDED") return undefined;
  try {
    return sdkError.getRetryAfterMs?.() ?? 1000;
  } catch {
    return 1000;
  }
}

/** Pure: the SDK's MatrixError / ConnectionError as mxhome's error. */
export function toMxError(what: string, error: unknown): MxError {
  if (error instanceof MxError) return error;
  const sdkError = error as SdkError;
  if (typeof sdkError?.httpStatus === "number") {
    const errcode = sdkError.errcode ?? `http-${sdkError.httpStatus}`;
    const detail = sdkError.data?.error ? `: ${sdkError.data.error}` : "";
    return new MxError(`Synapse answered ${sdkError.httpStatus} ${errcode} to ${what}${detail}`, { code: `synapse.${errcode}`, cause: error });
  }
  return synapseUnreachable(what, error);
}

const isNotFound = (error: unknown) => error instanceof MxError && error.code === "synapse.M_NOT_FOUND";

/** The SDK's loggers, routed to mxhome's debug log instead of the console. */
function quietLogger() {
  const debug = (...parts: unknown[]) => log.debug(`matrix-js-sdk: ${parts.map(String).join(" ")}`);
  const logger = { trace: () => {}, debug: () => {}, info: () => {}, warn: debug, error: debug, getChild: () => logger };
  return logger;
}

let sdkModule: Promise<typeof import("matrix-js-sdk")> | undefined;

async function loadSdk(): Promise<typeof import("matrix-js-sdk")> {
  sdkModule ??= (async () => {
    const [sdk, { logger }] = await Promise.all([import("matrix-js-sdk"), import("matrix-js-sdk/lib/logger.js")]);
    // The global logger (used where no client logger is passed) prints to the console at debug level.
    (logger as unknown as { setLevel?: (level: string, persist?: boolean) => void }).setLevel?.("warn", false);
    (logger as unknown as { methodFactory: unknown }).methodFactory = () => quietLogger().warn;
    (logger as unknown as { rebuild?: () => void }).rebuild?.();
    return sdk;
  })();
  return sdkModule;
}

export async function openMatrixApi(baseUrl: string, session: Session, options: MatrixApiOptions = {}): Promise<MatrixApi> {
  const sdk = await loadSdk();
  registerSecret(session.accessToken);
  const client = sdk.createClient({
    baseUrl,
    accessToken: session.accessToken,
    userId: session.userId,
    deviceId: session.deviceId,
    logger: quietLogger(),
  });
  const maxRetries = options.maxRateLimitRetries ?? 8;
  const maxWait = options.maxRateLimitWaitMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function call<T>(what: string, work: (client: MatrixClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work(client);
      } catch (error) {
        const delay = retryDelayMs(error);
        if (delay === undefined || attempt >= maxRetries) throw toMxError(what, error);
        log.debug(`Rate-limited on ${what}; waiting ${Math.min(delay, maxWait)} ms as Synapse asks.`);
        await sleep(Math.min(delay, maxWait));
      }
    }
  }
  const optional = <T>(promise: Promise<T>): Promise<T | undefined> => promise.catch((error) => (isNotFound(error) ? undefined : Promise.reject(error)));
  const encode = encodeURIComponent;

  return {
    userId: session.userId,
    call,
    createRoom: async (request) => (await call("createRoom", (c) => c.createRoom(request as never))).room_id,
    putState: async (roomId, type, content, stateKey = "") =>
      (await call(`PUT ${type} in ${roomId}`, (c) => c.sendStateEvent(roomId, type as never, content as never, stateKey))).event_id,
    invite: async (roomId, userId, reason) => {
      await call(`invite ${userId} to ${roomId}`, (c) => c.invite(roomId, userId, reason));
    },
    kick: async (roomId, userId, reason) => {
      await call(`kick ${userId} from ${roomId}`, (c) => c.kick(roomId, userId, reason));
    },
    join: async (roomIdOrAlias, via) =>
      (
        await call(`join ${roomIdOrAlias}`, (c) =>
          c.http.authedRequest<{ room_id: string }>(sdk.Method.Post, `/join/${encode(roomIdOrAlias)}`, via?.length ? { via } : undefined, {}),
        )
      ).room_id,
    setAlias: async (alias, roomId) => {
      await call(`create alias ${alias}`, (c) => c.createAlias(alias, roomId));
    },
    resolveAlias: async (alias) => (await optional(call(`resolve ${alias}`, (c) => c.getRoomIdForAlias(alias))))?.room_id,
    state: (roomId) => call(`read the state of ${roomId}`, (c) => c.roomState(roomId)) as Promise<StateEvent[]>,
    stateEvent: <T>(roomId: string, type: string, stateKey = "") =>
      optional(call(`read ${type} in ${roomId}`, (c) => c.getStateEvent(roomId, type, stateKey))) as Promise<T | undefined>,
    powerLevels: (roomId) =>
      optional(call(`read the power levels of ${roomId}`, (c) => c.getStateEvent(roomId, "m.room.power_levels", ""))) as Promise<PowerLevelsContent | undefined>,
    joinedMembers: async (roomId) => Object.keys((await call(`list the members of ${roomId}`, (c) => c.getJoinedRoomMembers(roomId))).joined),
    members: async (roomId) => (await call(`list the members of ${roomId}`, (c) => c.members(roomId))).chunk as unknown as StateEvent[],
    async hierarchy(roomId, hierarchyOptions = {}) {
      const rooms: HierarchyRoom[] = [];
      let from: string | undefined;
      do {
        const page = await call(`read the hierarchy of ${roomId}`, (c) => c.getRoomHierarchy(roomId, 50, hierarchyOptions.maxDepth, false, from));
        rooms.push(...(page.rooms as unknown as HierarchyRoom[]));
        from = page.next_batch;
      } while (from);
      return rooms;
    },
    async roomVersions() {
      const answer = await call("read the server's capabilities", (c) =>
        c.http.authedRequest<{ capabilities: { "m.room_versions"?: RoomVersions } }>(sdk.Method.Get, "/capabilities"),
      );
      return answer.capabilities["m.room_versions"] ?? { default: "1", available: { "1": "stable" } };
    },
  };
}
