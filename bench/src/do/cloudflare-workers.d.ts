// The part of workerd's `cloudflare:workers` module the Durable Object bench Worker uses (the package type-checks
// with Node's types only; esbuild leaves the import to workerd). BenchStorage is in bench-globals.d.ts.
declare module 'cloudflare:workers' {
  export abstract class DurableObject {
    protected ctx: { readonly storage: BenchStorage };
    protected env: unknown;
    constructor(ctx: unknown, env: unknown);
  }
}
