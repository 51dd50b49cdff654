import type { Check } from "../types.ts";
import { configValidCheck } from "./config/config-valid.ts";
import { databaseCollationCheck } from "./config/database-collation.ts";
import { fileModesCheck } from "./config/file-modes.ts";
import { homeserverSafetyCheck } from "./config/homeserver-safety.ts";
import { maxUploadCheck } from "./config/max-upload.ts";
import { renderedFilesCheck } from "./config/rendered-files.ts";
import { secretsCheck } from "./config/secrets.ts";
import { funnelCheck } from "./exposure/funnel.ts";
import { funnelCapabilityCheck } from "./exposure/funnel-capability.ts";
import { outboundCheck } from "./exposure/outbound.ts";
import { remotePowerCheck } from "./exposure/remote-power.ts";
import { spaceJoinRulesCheck } from "./exposure/space-join-rules.ts";
import { publicKeysCheck } from "./exposure/public-keys.ts";
import { publicFederationCheck, publicTlsCheck, publicWellKnownCheck } from "./exposure/public-path.ts";
import { tailscaleCheck } from "./exposure/tailscale.ts";
import { topologyCheck } from "./exposure/topology.ts";
import { apparmorCheck } from "./host/apparmor.ts";
import { cgroupsCheck } from "./host/cgroups.ts";
import { delegationCheck } from "./host/delegation.ts";
import { clockCheck } from "./host/clock.ts";
import { diskCheck } from "./host/disk.ts";
import { lingerCheck } from "./host/linger.ts";
import { memoryCheck } from "./host/memory.ts";
import { nativeProgramsCheck } from "./host/native-programs.ts";
import { podmanCheck } from "./host/podman.ts";
import { portsCheck } from "./host/ports.ts";
import { subidsCheck } from "./host/subids.ts";
import { userSystemdCheck } from "./host/user-systemd.ts";
import { botMembershipCheck } from "./jobs/bot-membership.ts";
import { botPowerCheck } from "./jobs/bot-power.ts";
import { backupCheck } from "./jobs/backup.ts";
import { lastCatchUpCheck } from "./jobs/last-catch-up.ts";
import { lastKickCheck, lastPurgeCheck } from "./jobs/last-runs.ts";
import { postgresCheck } from "./services/postgres.ts";
import { restartsCheck } from "./services/restarts.ts";
import { servicesRunningCheck } from "./services/running.ts";
import { replicationCheck } from "./scale/replication.ts";
import { workersCheck } from "./scale/workers.ts";
import { adminHiddenCheck, caddyProxyCheck, wellKnownCheck } from "./services/caddy.ts";
import { callsCheck, slidingSyncCheck } from "./services/clients.ts";
import { synapseCheck } from "./services/synapse.ts";
import { timersCheck } from "./services/timers.ts";
import { tokensCheck } from "./services/tokens.ts";
import { versionsCheck } from "./services/versions.ts";

/**
 * The registry: every check, in display order within its category. To add
 * one, write src/doctor/checks/<category>/<id>.ts exporting a Check (its
 * judge pure and exported for tests) and add it to this list.
 */
export const doctorChecks: readonly Check[] = [
  // host
  podmanCheck,
  nativeProgramsCheck,
  cgroupsCheck,
  delegationCheck,
  subidsCheck,
  lingerCheck,
  userSystemdCheck,
  clockCheck,
  diskCheck,
  memoryCheck,
  portsCheck,
  apparmorCheck,
  // config
  configValidCheck,
  renderedFilesCheck,
  secretsCheck,
  fileModesCheck,
  homeserverSafetyCheck,
  maxUploadCheck,
  databaseCollationCheck,
  // services
  servicesRunningCheck,
  restartsCheck,
  postgresCheck,
  synapseCheck,
  versionsCheck,
  tokensCheck,
  wellKnownCheck,
  caddyProxyCheck,
  adminHiddenCheck,
  slidingSyncCheck,
  callsCheck,
  workersCheck,
  replicationCheck,
  timersCheck,
  // exposure
  tailscaleCheck,
  funnelCapabilityCheck,
  funnelCheck,
  topologyCheck,
  publicTlsCheck,
  publicWellKnownCheck,
  publicFederationCheck,
  publicKeysCheck,
  outboundCheck,
  remotePowerCheck,
  spaceJoinRulesCheck,
  // jobs
  botMembershipCheck,
  botPowerCheck,
  lastPurgeCheck,
  lastKickCheck,
  lastCatchUpCheck,
  backupCheck,
];
