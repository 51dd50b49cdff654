/**
 * Field kinds for the config schema. A field parses one TOML value and says,
 * when it can't, which values are allowed, so errors can name them.
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason?: string };

export interface Field<T> {
  readonly isField: true;
  /** `undefined` makes the key required. */
  readonly default: T | undefined;
  /** Human description of the allowed values, used in errors. */
  readonly allowed: string;
  /** One-line explanation, rendered as a comment into mxhome.toml. */
  readonly doc: string;
  parse(value: unknown): ParseResult<T>;
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const bad = <T>(reason?: string): ParseResult<T> => ({ ok: false, reason });

function field<T>(spec: Omit<Field<T>, "isField">): Field<T> {
  return { isField: true, ...spec };
}

export function stringField(
  doc: string,
  options: { default?: string; allowed?: string; check?: (value: string) => string | undefined } = {},
): Field<string> {
  return field({
    doc,
    default: options.default,
    allowed: options.allowed ?? "a string",
    parse: (value) => {
      if (typeof value !== "string") return bad();
      const problem = options.check?.(value);
      return problem === undefined ? ok(value) : bad(problem);
    },
  });
}

export function integerField(doc: string, options: { default: number; min: number; max: number }): Field<number> {
  return field({
    doc,
    default: options.default,
    allowed: `a whole number from ${options.min} to ${options.max}`,
    parse: (value) =>
      typeof value === "number" && Number.isInteger(value) && value >= options.min && value <= options.max
        ? ok(value)
        : bad(),
  });
}

export function fractionField(doc: string, defaultValue: number): Field<number> {
  return field({
    doc,
    default: defaultValue,
    allowed: "a number from 0 to 1, e.g. 0.2 for 20%",
    parse: (value) => (typeof value === "number" && value >= 0 && value <= 1 ? ok(value) : bad()),
  });
}

export function booleanField(doc: string, defaultValue: boolean): Field<boolean> {
  return field({
    doc,
    default: defaultValue,
    allowed: "true or false",
    parse: (value) => (typeof value === "boolean" ? ok(value) : bad()),
  });
}

export function enumField<const T extends string>(doc: string, values: readonly T[], defaultValue: T): Field<T> {
  return field({
    doc,
    default: defaultValue,
    allowed: values.map((v) => JSON.stringify(v)).join(" or "),
    parse: (value) => (values.includes(value as T) ? ok(value as T) : bad()),
  });
}

export function stringListField(
  doc: string,
  options: { allowed?: string; check?: (value: string) => string | undefined } = {},
): Field<string[]> {
  return field({
    doc,
    default: [],
    allowed: `a list of strings${options.allowed ? ` (${options.allowed})` : ""}`,
    parse: (value) => {
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return bad();
      for (const item of value) {
        const problem = options.check?.(item);
        if (problem !== undefined) return bad(`${JSON.stringify(item)}: ${problem}`);
      }
      return ok([...value]);
    },
  });
}

/** The schema as an untyped tree, for code that walks it generically. */
export type SpecNode = Field<unknown> | SpecTable;
export type SpecTable = { [key: string]: SpecNode };

export function isField(node: SpecNode): node is Field<unknown> {
  return (node as Field<unknown>).isField === true;
}
