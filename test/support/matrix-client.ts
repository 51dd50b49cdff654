/**
 * A test's own Matrix client: one JSON request to a homeserver, as a person's client would send it
 * (not mxhome's code under test). The base URL and the default token are read at each call, so a
 * suite can create the client at load time and fill them in `beforeAll`.
 */
export type MatrixRequest = <T>(method: string, path: string, body?: object, token?: string) => Promise<T>;

export function matrixClient(baseUrl: () => string, defaultToken: () => string | undefined = () => undefined): MatrixRequest {
  return async <T>(method: string, path: string, body?: object, token?: string): Promise<T> => {
    const bearer = token ?? defaultToken();
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}
