/**
 * The rehydrate version. Release builds replace it at compile time
 * (`bun build --define REHYDRATE_VERSION=...`); from source it is the package.json version.
 */
declare const REHYDRATE_VERSION: string | undefined;

export const VERSION: string = typeof REHYDRATE_VERSION === "string" ? REHYDRATE_VERSION : "0.1.0";
