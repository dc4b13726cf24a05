// What test/global-setup.ts hands to every test file through `inject()`.
declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser (or CREATEDB) connection to the test server's maintenance database. */
    adminDatabaseUrl: string;
    /** A migrated database each test file clones with `CREATE DATABASE ... TEMPLATE`. */
    templateDatabase: string;
  }
}

export {};
