// Stands in for the `server-only` package under vitest. The real one throws whenever it is
// imported outside a react-server bundle, which a plain Node test process never is; the
// guard it provides (no server module in a client bundle) is Next's build to enforce.
export {};
