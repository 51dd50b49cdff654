// Templates are imported `with { type: "text" }` so `bun build --compile` embeds them.
declare module "*.yaml" {
  const text: string;
  export default text;
}
declare module "*.config" {
  const text: string;
  export default text;
}
declare module "*.container" {
  const text: string;
  export default text;
}
declare module "*.service" {
  const text: string;
  export default text;
}
declare module "*.timer" {
  const text: string;
  export default text;
}
declare module "*.txt" {
  const text: string;
  export default text;
}
declare module "*/Caddyfile" {
  const text: string;
  export default text;
}
declare module "*.lock" {
  const text: string;
  export default text;
}
declare module "*.conf" {
  const text: string;
  export default text;
}
