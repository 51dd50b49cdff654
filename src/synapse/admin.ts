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

/** One row of the user list (GET v2/users). */
export interface AdminUserListEntry {
  name: string;
  admin: boolean;
  deactivated: boolean;
  last_seen_ts?: number | null;
  displayname?: string | null;
  user_type?: string | null;
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
  /** Every local account except guests, deactivated ones included (paginated GET v2/users). */
  listUsers(): Promise<AdminUserListEntry[]>;
  deviceCount(userId: string): Promise<number>;
  /** Sets a new password; with `logoutDevices`, every device of the user is signed out. */
  resetPassword(userId: string, password: string, logoutDevices: boolean): Promise<void>;
  /** Deactivates for good; `erase` also forgets the user's messages and profile (GDPR erasure). */
  deactivate(userId: string, erase: boolean): Promise<void>;
}

const listPageSize = 100;

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
    async listUsers() {
      const all: AdminUserListEntry[] = [];
      for (let from: string | undefined = "0"; from !== undefined; ) {
        const page: { users: AdminUserListEntry[]; next_token?: string } = await request("GET", "/_synapse/admin/v2/users", {
          query: { from, limit: listPageSize, guests: false, deactivated: true },
        });
        all.push(...page.users);
        from = page.next_token;
      }
      return all;
    },
    async deviceCount(userId) {
      return (await request<{ total: number }>("GET", `${users(userId)}/devices`)).total;
    },
    async resetPassword(userId, password, logoutDevices) {
      await request("POST", `/_synapse/admin/v1/reset_password/${encodeURIComponent(userId)}`, { body: { new_password: password, logout_devices: logoutDevices } });
    },
    async deactivate(userId, erase) {
      await request("POST", `/_synapse/admin/v1/deactivate/${encodeURIComponent(userId)}`, { body: { erase } });
    },
  };
}
