// Every table, by domain. drizzle-kit reads this file to generate migrations.
export * from "./auth";
