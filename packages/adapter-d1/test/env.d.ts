// Types the bindings the workerd test lane declares in vitest.config.ts (`miniflare.d1Databases: ['DB']`), for
// `import { env } from 'cloudflare:workers'`. Workers' `Env` is an ambient interface meant to be merged.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
  }
}
