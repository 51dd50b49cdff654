import type { CreateRoomRequest } from "../matrix/types.ts";
import { usageError } from "../ui/errors.ts";
import type { SpaceActors } from "./actors.ts";
import type { Change } from "./plan.ts";

/** Carries out one planned change as the account it names. */
export async function applyChange(actors: SpaceActors, change: Change): Promise<void> {
  switch (change.kind) {
    case "state":
      await (change.actor === "owner" ? await actors.owner() : await actors.bot()).putState(change.roomId, change.type, change.content, change.stateKey);
      return;
    case "invite":
      await (await actors.owner()).invite(change.roomId, change.userId);
      return;
    case "join":
      await (await actors.bot()).join(change.roomId, [actors.serverName]);
      return;
    case "alias": {
      const owner = await actors.owner();
      const current = await owner.resolveAlias(change.alias);
      if (current !== undefined && current !== change.roomId) throw aliasTaken(change.alias, current);
      if (current === undefined) await owner.setAlias(change.alias, change.roomId);
      await owner.putState(change.roomId, "m.room.canonical_alias", { alias: change.alias });
      return;
    }
  }
}

function aliasTaken(alias: string, roomId: string) {
  return usageError(`The alias ${alias} already names another room (${roomId}).`, "space.alias-taken", "Choose another with --alias <localpart>.");
}

/** Creates a room as the owner; a taken alias is a usage error naming it. */
export async function createRoom(actors: SpaceActors, request: CreateRoomRequest): Promise<string> {
  const owner = await actors.owner();
  if (request.room_alias_name) {
    const alias = `#${request.room_alias_name}:${actors.serverName}`;
    const existing = await owner.resolveAlias(alias);
    if (existing) throw aliasTaken(alias, existing);
  }
  return owner.createRoom(request);
}
