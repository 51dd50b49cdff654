import { isMatrixError, type RequestOptions, type SynapseHttp } from "./http.ts";

/**
 * Synapse's admin API (docs/admin_api/*.md) with a server admin's token.
 * It lives on the client listener, reached on 127.0.0.1 only: Caddy blocks
 * /_synapse/admin on the public side.
 */
export interface AdminUser {
  name: string;
  admin: boolean;
  deactivated: boolean;
  /** Local users only, Synapse ≥ 1.92. */
  last_seen_ts?: number | null;
  displayname?: string | null;
}

export interface SynapseAdmin {
  /** Any admin endpoint, for features this module does not wrap yet. */
  request<T>(method: string, path: string, options?: Omit<RequestOptions, "token">): Promise<T>;
  /** The user, or undefined when no such account exists. */
  user(userId: string): Promise<AdminUser | undefined>;
  isServerAdmin(userId: string): Promise<boolean>;
  /** Creates or changes an account (PUT v2/users); the password, when given, is set. */
  upsertUser(userId: string, fields: { password?: string; admin?: boolean; displayname?: string }): Promise<void>;
  /** A fresh token for another user without a password login, so no login rate limit applies. */
  loginAs(userId: string): Promise<string>;
  /** Lifts message/join rate limits for an account that sends in bulk (bots, fixtures). */
  exemptFromRateLimits(userId: string): Promise<void>;
}

const users = (userId: string) => `/_synapse/admin/v2/users/${encodeURIComponent(userId)}`;
const v1User = (userId: string, action: string) => `/_synapse/admin/v1/users/${encodeURIComponent(userId)}/${action}`;

export function synapseAdmin(http: SynapseHttp, accessToken: string): SynapseAdmin {
  const request = <T>(method: string, path: string, options: Omit<RequestOptions, "token"> = {}) =>
    http.request<T>(method, path, { ...options, token: accessToken });
  return {
    request,
    async user(userId) {
      try {
        return await request<AdminUser>("GET", users(userId));
      } catch (error) {
        if (isMatrixError(error, "M_NOT_FOUND")) return undefined;
        throw error;
      }
    },
    async isServerAdmin(userId) {
      return (await request<{ admin: boolean }>("GET", v1User(userId, "admin"))).admin;
    },
    async upsertUser(userId, fields) {
      await request("PUT", users(userId), { body: { ...fields } });
    },
    async loginAs(userId) {
      return (await request<{ access_token: string }>("POST", v1User(userId, "login"), { body: {} })).access_token;
    },
    async exemptFromRateLimits(userId) {
      await request("POST", v1User(userId, "override_ratelimit"), { body: { messages_per_second: 0, burst_count: 0 } });
    },
  };
}
