/**
 * A public path on loopback: a test CA (openssl), an in-process resolver that
 * answers like public DNS would, and an HTTPS "Funnel" on 127.0.0.1 that
 * either forwards plain HTTP to a Caddy (keeping Host, as Funnel does) or
 * serves fixed answers. Nothing leaves 127.0.0.0/8.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicHttp, type PublicHttp } from "../../../src/doctor/public-http.ts";
import type { DnsAnswer, PublicResolver } from "../../../src/doctor/resolver.ts";

function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`);
}

export interface TestCa {
  caPem: string;
  /** A leaf certificate (and key) signed by the CA for these DNS names. */
  issue(names: string[]): { cert: string; key: string };
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-test-ca-"));
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
    "-subj", "/CN=mxhome test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
  let serial = 0;
  return {
    caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
    issue(names) {
      const name = `leaf${++serial}`;
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${names[0]}`], dir);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(1000 + serial), "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`], dir);
      return { cert: readFileSync(join(dir, `${name}.pem`), "utf8"), key: readFileSync(join(dir, `${name}.key`), "utf8") };
    },
  };
}

/** Public DNS as a table: name → A records, or a CNAME to follow. Only loopback addresses are allowed. */
export function recordsResolver(records: Record<string, { cname?: string; addresses?: string[] }>): PublicResolver {
  return {
    async resolve(host): Promise<DnsAnswer> {
      const cnames: string[] = [];
      let name = host;
      while (records[name]?.cname) {
        name = records[name]!.cname!;
        cnames.push(name);
      }
      const addresses = records[name]?.addresses ?? [];
      if (addresses.some((address) => !address.startsWith("127."))) throw new Error("test resolvers answer loopback addresses only");
      if (addresses.length === 0) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return { cnames, addresses };
    },
  };
}

export interface FakeFunnel {
  port: number;
  stop(): void;
}

/** HTTPS on 127.0.0.1 with one certificate; forwards to `upstream` (plain HTTP, Host kept, as Funnel does) or answers with `respond`. */
export function startFakeFunnel(options: { cert: { cert: string; key: string }; upstream?: string; respond?: (request: Request) => Response | Promise<Response> }): FakeFunnel {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: options.cert,
    async fetch(request) {
      if (options.respond) return options.respond(request);
      const url = new URL(request.url);
      const forwarded = await fetch(`${options.upstream}${url.pathname}${url.search}`, {
        headers: { Host: url.hostname, "X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https" },
        redirect: "manual",
      });
      const headers = new Headers(forwarded.headers);
      for (const name of ["content-encoding", "content-length", "transfer-encoding"]) headers.delete(name);
      return new Response(await forwarded.arrayBuffer(), { status: forwarded.status, headers });
    },
  });
  return { port: server.port!, stop: () => server.stop(true) };
}

/** The doctor's public HTTP, wired to the fakes: the resolver, the test CA, port 443 of each name → its fake's port. */
export function loopbackPublicHttp(resolver: PublicResolver, ca: TestCa, servers: Record<string, FakeFunnel>): PublicHttp {
  return createPublicHttp({
    resolver,
    ca: ca.caPem,
    connectPort: (_port, host) => {
      const server = servers[host];
      if (!server) throw new Error(`no fake server for ${host}`);
      return server.port;
    },
  });
}

const tailscaleFixtures = join(import.meta.dir, "..", "..", "fixtures", "tailscale");

/**
 * A `tailscale` CLI that prints the recorded fixtures, rewritten for a test
 * server: its Funnel host and its Caddy port in place of
 * desktop.tail1234.ts.net and 8080.
 */
export function fakeTailscale(host: string, caddyPort: number, fixtures = { status: "status-running.json", funnel: "funnel-healthy.json" }): string {
  const dir = mkdtempSync(join(tmpdir(), "mxhome-fake-tailscale-"));
  const rewrite = (name: string) =>
    readFileSync(join(tailscaleFixtures, name), "utf8").replaceAll("desktop.tail1234.ts.net", host).replaceAll("127.0.0.1:8080", `127.0.0.1:${caddyPort}`);
  writeFileSync(join(dir, "status.json"), rewrite(fixtures.status));
  writeFileSync(join(dir, "funnel.json"), rewrite(fixtures.funnel));
  const script = join(dir, "tailscale");
  writeFileSync(script, `#!/bin/sh\ncase "$1 $2" in\n  "status --json") cat '${dir}/status.json' ;;\n  "funnel status") cat '${dir}/funnel.json' ;;\n  *) echo "fake tailscale: $*" >&2; exit 2 ;;\nesac\n`, { mode: 0o755 });
  return script;
}

const encodeName = (name: string) =>
  Buffer.concat([...name.split(".").map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)])), Buffer.from([0])]);

/**
 * A DNS server on 127.0.0.1 (UDP) answering A and CNAME queries from a table,
 * so the production resolver (node:dns pointed at chosen servers) is tested
 * over the real protocol without asking any public server.
 */
export async function startDnsServer(records: Record<string, { cname?: string; a?: string }>): Promise<{ address: string; stop(): void }> {
  const { createSocket } = await import("node:dgram");
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset]) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]!).toString());
      offset += query[offset]! + 1;
    }
    const type = query.readUInt16BE(offset + 1);
    const record = records[labels.join(".")];
    const answer = (rrType: number, data: Buffer) => {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(rrType, 0);
      fixed.writeUInt16BE(1, 2); // IN
      fixed.writeUInt32BE(60, 4); // TTL
      fixed.writeUInt16BE(data.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 12]), fixed, data]); // name: pointer to the question
    };
    const answers: Buffer[] = [];
    if (record?.cname && (type === 1 || type === 5)) answers.push(answer(5, encodeName(record.cname)));
    else if (record?.a && type === 1) answers.push(answer(1, Buffer.from(record.a.split(".").map(Number))));
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (record ? 0 : 3), 2); // a response, recursion available; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([header, query.subarray(12, offset + 5), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { address: `127.0.0.1:${socket.address().port}`, stop: () => socket.close() };
}
