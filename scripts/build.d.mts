/** The published packages, in build order (dependencies first). */
export declare const PUBLISHED: readonly string[];
/** Builds one package's dist/ (see build.mjs). */
export declare function buildPackage(name: string): void;
/** Why this `prepack` must refuse (a pack or publish by anything but pnpm), or null (see build.mjs). */
export declare function packRefusal(env?: NodeJS.ProcessEnv): string | null;
