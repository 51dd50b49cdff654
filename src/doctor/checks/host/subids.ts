import type { FactScope } from "../../facts/index.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export interface SubidObservation {
  user: { uid: number; name: string };
  subuid: string | undefined;
  subgid: string | undefined;
}

export function gatherSubids({ io }: FactScope): SubidObservation {
  return { user: io.user, subuid: io.readText("/etc/subuid"), subgid: io.readText("/etc/subgid") };
}

/** Pure: how many subordinate ids /etc/sub?id grants the user (`name-or-uid:start:count` lines). */
export function subidCount(text: string | undefined, user: { uid: number; name: string }): number {
  let total = 0;
  for (const line of (text ?? "").split("\n")) {
    const [owner, start, count] = line.trim().split(":");
    if ((owner === user.name || owner === String(user.uid)) && start && count && /^\d+$/.test(count)) total += Number(count);
  }
  return total;
}

/** Images need up to 65536 ids inside the user namespace (uid 991 for Synapse, 70 for postgres). */
export const requiredSubids = 65_536;

export function judgeSubids(observation: SubidObservation): Verdict {
  const uids = subidCount(observation.subuid, observation.user);
  const gids = subidCount(observation.subgid, observation.user);
  if (uids >= requiredSubids && gids >= requiredSubids) return ok(`${uids} subuids, ${gids} subgids for ${observation.user.name}`);
  const missing = [uids < requiredSubids ? `/etc/subuid grants ${uids}` : "", gids < requiredSubids ? `/etc/subgid grants ${gids}` : ""].filter(Boolean);
  return fail(
    `${missing.join(" and ")} ids to ${observation.user.name}; rootless containers need ${requiredSubids}.`,
    `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${observation.user.name} && podman system migrate`,
  );
}

export const subidsCheck = defineCheck({
  id: "subids",
  category: "host",
  title: "subuid/subgid ranges for rootless containers",
  runtimes: ["podman"],
  gather: gatherSubids,
  judge: judgeSubids,
});
