// Every table, by domain. drizzle-kit reads this file to generate migrations.

export * from "./agents";
export * from "./alerts";
export * from "./auth";
export * from "./overview";
export * from "./resources";
export * from "./schedules";
export * from "./task-logs";
export * from "./tasks";
export * from "./workflows";
