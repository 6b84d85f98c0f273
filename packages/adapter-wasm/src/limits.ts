import type { DriverLimits } from '@litedao/core';

/** Adapter name reported by both sqlite-wasm drivers. */
export const WASM_DRIVER_NAME = 'sqlite-wasm';

/**
 * SQLite's defaults, which the sqlite-wasm build keeps: `SQLITE_MAX_VARIABLE_NUMBER` (since 3.32) and
 * `SQLITE_MAX_LIKE_PATTERN_LENGTH` (checked before sending, so a long LIKE pattern is refused whatever the rows).
 */
export const WASM_LIMITS: DriverLimits = Object.freeze({ maxParameters: 32766, maxLikePatternBytes: 50_000 });
