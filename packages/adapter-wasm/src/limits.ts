import type { DriverLimits } from '@litedao/core';

/** Adapter name reported by both sqlite-wasm drivers. */
export const WASM_DRIVER_NAME = 'sqlite-wasm';

/** SQLite's default `SQLITE_MAX_VARIABLE_NUMBER` since 3.32, which the sqlite-wasm build keeps. */
export const WASM_LIMITS: DriverLimits = Object.freeze({ maxParameters: 32766 });
