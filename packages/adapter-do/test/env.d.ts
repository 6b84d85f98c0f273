// Types the bindings the test lane declares in vitest.config.ts (`miniflare.durableObjects`), for
// `import { env } from 'cloudflare:workers'`. Workers' `Env` is an ambient interface meant to be merged.
declare namespace Cloudflare {
  interface Env {
    CONFORMANCE: DurableObjectNamespace<import('./support/worker.ts').ConformanceObject>;
    NOTES: DurableObjectNamespace<import('./support/worker.ts').NotesObject>;
    MIGRATED: DurableObjectNamespace<import('./support/worker.ts').MigratedObject>;
  }
}
