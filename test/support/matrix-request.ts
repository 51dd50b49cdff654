/**
 * One JSON request to a homeserver's HTTP API (client-server, media or
 * admin), for end-to-end tests: the answer's body, or an Error naming the
 * method, path, status and body.
 */
export async function matrixRequest<T>(baseUrl: string, method: string, path: string, body?: object, token?: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}
