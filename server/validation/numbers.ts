import { z } from "zod";

export const INT4_MAX = 2_147_483_647;
export const INT4_MIN = -2_147_483_648;

/** An integer a PostgreSQL `integer` column holds; narrow it further with `.min()`/`.max()`. */
export function int4() {
  return z.number().int().min(INT4_MIN).max(INT4_MAX);
}

/**
 * The largest amount of a resource (a pool's capacity, an agent's own capacity, what a task
 * requires). Far beyond any real capacity, and small enough that sums of many amounts stay
 * exact in a double.
 */
export const MAX_RESOURCE_AMOUNT = 1e12;

/** A finite amount from 0 up to MAX_RESOURCE_AMOUNT; `.positive()` for "more than 0". */
export function resourceAmount() {
  return z.number().min(0).max(MAX_RESOURCE_AMOUNT);
}
