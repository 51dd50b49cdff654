import { askChoice, askLine } from "../ui/ask-line.ts";
import { isInteractive } from "../ui/logger.ts";
import type { InitAnswers } from "./answers.ts";

/**
 * Asks for what flags left open, only when a person is there to answer;
 * otherwise the Funnel host from tailscale is taken as the server name.
 */
export async function promptMissingAnswers(
  answers: InitAnswers,
  context: { suggestedServerName?: string; yes: boolean; configExists: boolean },
): Promise<InitAnswers> {
  if (context.configExists) return answers; // the existing mxhome.toml already names the server
  if (context.yes || !isInteractive()) {
    return context.suggestedServerName ? { ...answers, "server-name": context.suggestedServerName } : answers;
  }
  const serverName = await askLine("Server name (the part after the colon in @you:name; it can never change):", context.suggestedServerName);
  const adminUser = answers["admin-user"] ?? (await askLine("Your admin account's name:", "admin"));
  const runtime = answers.runtime ?? (await askChoice("Run the services with:", ["podman", "native"], "podman"));
  return { ...answers, "server-name": serverName, "admin-user": adminUser, runtime };
}
