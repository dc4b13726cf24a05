/** Where the tRPC API is served: the Next route app/api/trpc/[trpc] and the Node routes. */
export const TRPC_ENDPOINT = "/api/trpc";
