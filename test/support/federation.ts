/**
 * Two real homeservers on loopback that federate with each other: `home`
 * (where mxhome's Space lives) and `remote` (people from another server).
 *
 * Each is a full test server (test/support/server.ts) plus, through its
 * overrides file, a test-only TLS federation listener with a self-signed
 * certificate made here by openssl. Server names are `localhost:<tls port>`:
 * with an explicit port Synapse skips both the `.well-known` lookup and SRV
 * (synapse/http/federation/matrix_federation_agent.py `_route_matrix_uri`,
 * `_resolve_server`) and connects to that port of what /etc/hosts gives for
 * localhost. Not `127.0.0.1:<port>`: Synapse wraps its federation agent in a
 * BlocklistingAgentWrapper that blocks IP-literal server names in
 * `ip_range_blacklist` without consulting `ip_range_whitelist`
 * (synapse/http/matrixfederationclient.py), so those get "403: IP address
 * blocked". For resolved names the whitelist applies: `ip_range_whitelist:
 * ["127.0.0.0/8"]` lets federation reach loopback (mxhome sets no
 * `federation_ip_range_blacklist`, which would replace both lists, so
 * federation uses these two); a ::1 answer stays blocked and 127.0.0.1 is
 * used. `federation_verify_certificates: false` accepts the self-signed
 * certificates, and the test overrides' `trusted_key_servers: []` make each
 * server fetch the other's keys directly. Nothing leaves the machine.
 *
 *   let federation: Federation;
 *   beforeAll(async () => { federation = await startFederation(); }, 90_000);
 *   afterAll(() => federation.stop(), 30_000);
 *
 *   const carol = await federation.remote.createUser("carol");   // @carol:localhost:<port>
 *   // invite carol to a room on home, then as carol:
 *   await federation.remote.http.request("POST", `/_matrix/client/v3/join/${roomId}`, { token: carol.accessToken, body: {} });
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../../src/config/schema.ts";
import { availableParallelism } from "node:os";
import { renderReplicationListener, workerLayout } from "../../src/render/workers.ts";
import { freePort } from "./ports.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";

export interface Federation {
  home: TestServer;
  remote: TestServer;
  stop(): Promise<void>;
}

/** A self-signed certificate for localhost (neither server checks it; a kept pair reuses its own). */
function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, "federation.crt");
  const key = join(dir, "federation.key");
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const result = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    { stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${result.stderr.toString()}`);
  return { cert, key };
}

/**
 * Replaces mxhome's listeners (a top-level key of the overrides wins): the same loopback listener, plus TLS federation,
 * plus with [scale] workers the main process's replication listener, as mxhome renders it.
 */
export function renderFederationOverrides(config: Config, tlsPort: number, certificate: { cert: string; key: string }): string {
  return `
# Federation test pair (test/support/federation.ts)
listeners:
  - port: ${config.network.synapse_port}
    type: http
    tls: false
    bind_addresses: ["127.0.0.1"]
    x_forwarded: true
    resources:
      - names: [client, federation]
        compress: false
  - port: ${tlsPort}
    type: http
    tls: true
    bind_addresses: ["127.0.0.1"]
    resources:
      - names: [federation]
        compress: false
${renderReplicationListener(workerLayout({ config, cpuCount: availableParallelism() }))}tls_certificate_path: "${certificate.cert}"
tls_private_key_path: "${certificate.key}"
federation_verify_certificates: false
ip_range_whitelist: ["127.0.0.0/8"]
`;
}

async function startFederatingServer(certificate: { cert: string; key: string }, options: TestServerOptions): Promise<TestServer> {
  const tlsPort = await freePort();
  return startTestServer({
    ...options,
    serverName: `localhost:${tlsPort}`,
    synapseOverrides: (config) => renderFederationOverrides(config, tlsPort, certificate) + (options.synapseOverrides?.(config) ?? ""),
  });
}

/**
 * Starts both servers side by side (about as long as one); stop them in an
 * afterAll. With `keepIn`, the pair lives in that directory and a later
 * process starts the same two servers again, data and all (TestServerOptions.keepIn).
 */
export async function startFederation(options: { home?: TestServerOptions; remote?: TestServerOptions; keepIn?: string } = {}): Promise<Federation> {
  const { keepIn } = options;
  const certificateDir = keepIn ?? mkdtempSync(join(tmpdir(), "mxhome-federation-"));
  mkdirSync(certificateDir, { recursive: true });
  const certificate = selfSignedCertificate(certificateDir);
  const start = (side: "home" | "remote") => startFederatingServer(certificate, { ...options[side], ...(keepIn ? { keepIn: join(keepIn, side) } : {}) });
  const [home, remote] = await Promise.all([start("home"), start("remote")]);
  return {
    home,
    remote,
    async stop() {
      await Promise.all([home.stop(), remote.stop()]);
      if (!keepIn) rmSync(certificateDir, { recursive: true, force: true });
    },
  };
}
