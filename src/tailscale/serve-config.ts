/**
 * `tailscale funnel status --json` prints tailscale's `ipn.ServeConfig`
 * (ipn/serve.go, commit de9ec7ee25627e0e518f53c710a3fc3d947c86c1): the parts
 * `up` (which mapping is ours) and `doctor` (is it right) read.
 */
export interface HttpHandler {
  Path?: string;
  Proxy?: string;
  Text?: string;
  Redirect?: string;
}

export interface ServeConfig {
  /** Port (as a JSON string key) → how tailscaled handles it. */
  TCP?: Record<string, { HTTPS?: boolean; HTTP?: boolean; TCPForward?: string; TerminateTLS?: string }> | null;
  /** "host:port" → mount point → handler. */
  Web?: Record<string, { Handlers?: Record<string, HttpHandler> | null }> | null;
  /** "host:port" → true when the public internet may reach it. */
  AllowFunnel?: Record<string, boolean> | null;
  /** Configs that live only while a foreground `tailscale funnel` runs, by IPN bus session. */
  Foreground?: Record<string, ServeConfig> | null;
}
