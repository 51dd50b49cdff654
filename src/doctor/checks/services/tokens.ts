import { gatherTokens, type TokenObservation } from "../../facts/tokens.ts";
import { defineCheck, fail, ok, type Verdict } from "../../types.ts";

export function judgeTokens(tokens: TokenObservation[]): Verdict {
  const problems = tokens.flatMap((token) => {
    const who = `${token.account === "service" ? "the service admin" : "the kick bot"} ${token.userId}`;
    switch (token.state) {
      case "none":
        return [`${who} has no stored token`];
      case "revoked":
        return [`the token of ${who} was revoked (logged out or expired)`];
      case "other-user":
        return [`the token stored for ${who} is someone else's (${token.error})`];
      case "error":
        return [`cannot check ${who}: ${token.error}`];
      case "valid":
        return token.account === "service" && token.admin === false ? [`${who} is no longer a server admin`] : [];
    }
  });
  if (problems.length === 0) return ok("mxhome's tokens work; the service account is a server admin");
  const notAdmin = tokens.find((token) => token.admin === false);
  const fix = notAdmin
    ? `As a server admin: curl -X PUT -H "Authorization: Bearer <your admin token>" -d '{"admin": true}' http://127.0.0.1:<synapse_port>/_synapse/admin/v2/users/${notAdmin.userId}`
    : "mxhome up   # logs mxhome's accounts in again and stores fresh tokens";
  return fail(problems.join("; "), fix);
}

export const tokensCheck = defineCheck({
  id: "tokens",
  category: "services",
  title: "mxhome's tokens valid, service account admin",
  after: ["synapse"],
  gather: gatherTokens,
  judge: judgeTokens,
});
