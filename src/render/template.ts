/**
 * Fills `{{name}}` placeholders from a typed context. A placeholder with no
 * value is a bug in the renderer, so it throws rather than leaving `{{…}}`.
 */
export function fillTemplate(template: string, context: Record<string, string | number>): string {
  return template.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (_match, name: string) => {
    const value = context[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return String(value);
  });
}
