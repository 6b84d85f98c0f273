/** The published packages, in build order (dependencies first). */
export declare const PUBLISHED: readonly string[];
/** Builds one package's dist/ (see build.mjs). */
export declare function buildPackage(name: string): void;
